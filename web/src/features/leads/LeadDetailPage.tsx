// Placeholder: replaced by the feature's page.
export function LeadDetailPage() {
  return null;
}
