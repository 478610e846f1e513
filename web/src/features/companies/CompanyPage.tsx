// Placeholder: replaced by the feature's page.
export function CompanyPage() {
  return null;
}
