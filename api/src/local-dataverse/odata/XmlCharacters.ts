/**
 * Dataverse refuses string values holding characters that are not XML 1.0 characters
 * (System.Xml.XmlConvert.VerifyXmlChars): C0 controls other than tab, LF and CR; surrogates that are
 * not part of a pair; and U+FFFE, U+FFFF. Everything else — DEL, C1 controls, other noncharacters,
 * astral characters as surrogate pairs — is valid.
 * https://learn.microsoft.com/power-apps/developer/data-platform/best-practices/work-with-data/invalidcharactersinfield
 */
const INVALID_XML_CHARACTER =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function hasInvalidXmlCharacter(text: string): boolean {
  return INVALID_XML_CHARACTER.test(text);
}
