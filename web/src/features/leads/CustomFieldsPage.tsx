// Placeholder: replaced by the feature's page.
export function CustomFieldsPage() {
  return null;
}
