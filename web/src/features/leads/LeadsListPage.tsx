// Placeholder: replaced by the feature's page.
export function LeadsListPage() {
  return null;
}
