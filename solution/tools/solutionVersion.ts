/**
 * The solution version comes from the root package.json, so every release bumps both: npm's
 * major.minor.patch becomes Dataverse's major.minor.build.revision with revision 0
 * (0.1.0 → 0.1.0.0). Pre-release versions (0.2.0-beta.1) have no Dataverse equivalent that would
 * still sort below the release, so they are refused: bump the patch instead.
 */
const NPM_RELEASE_VERSION = /^(\d+)\.(\d+)\.(\d+)$/;

export function toSolutionVersion(packageVersion: string): string {
  const match = NPM_RELEASE_VERSION.exec(packageVersion.trim());
  if (!match) {
    throw new Error(
      `package.json version '${packageVersion}' is not major.minor.patch: the solution version is derived from it (0.1.0 → 0.1.0.0); pre-release tags cannot be expressed`,
    );
  }
  return `${match[1]}.${match[2]}.${match[3]}.0`;
}

/** File-name form of a version, as Dataverse names exports (DataverseEnsure_0_1_0_0.zip). */
export function versionForFileName(solutionVersion: string): string {
  return solutionVersion.replace(/\./g, '_');
}
