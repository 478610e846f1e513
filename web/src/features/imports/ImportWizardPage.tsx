// Placeholder: replaced by the feature's page.
export function ImportWizardPage() {
  return null;
}
