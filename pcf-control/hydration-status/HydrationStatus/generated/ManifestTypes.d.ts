/*
*This is auto generated from the ControlManifest.Input.xml file
*/

// Define IInputs and IOutputs Type. They should match with ControlManifest.
export interface IInputs {
    placement: ComponentFramework.PropertyTypes.Property;
}
export interface IOutputs {
    placement?: any;
}
