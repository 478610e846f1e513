/** The form submissions the form benchmarks send: the bench form's fields, a page with UTM values. */
const runId = Date.now().toString(36);
const firstNames = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Radia', 'Tim'];
const lastNames = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson'];
const titles = ['CTO', 'Head of Marketing', 'VP Sales', 'Engineer', 'Growth Lead', 'Founder'];
const countries = ['DE', 'FR', 'US', 'GB', 'NL', 'ES', 'IT', 'SE'];
const campaigns: [string, string, string][] = [
  ['google', 'cpc', 'spring-search'],
  ['newsletter', 'email', 'june-news'],
  ['linkedin', 'paid_social', 'abm-q3'],
  ['partner', 'referral', 'partner-days'],
];
export const headers = {
  origin: 'https://www.example.com',
  'user-agent':
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
};

/** The i-th submission: a new email and visitor id each time, four campaigns in turn. */
export function body(i: number): string {
  const [source, medium, campaign] = campaigns[i % campaigns.length]!;
  const first = firstNames[i % firstNames.length]!;
  return JSON.stringify({
    fields: {
      email: `${first.toLowerCase()}.${runId}.${i}@company${i % 500}.example`,
      firstName: first,
      lastName: lastNames[(i * 7) % lastNames.length],
      companyName: `Company ${i % 500}`,
      jobTitle: titles[i % titles.length],
      country: countries[i % countries.length],
    },
    consents: { news: i % 3 === 0 },
    page: {
      url: `https://www.example.com/demo?utm_source=${source}&utm_medium=${medium}&utm_campaign=${campaign}`,
      title: 'Request a demo — Example',
      referrer: i % 2 === 0 ? 'https://www.google.com/' : '',
    },
    utm: { source, medium, campaign },
    visitorId: `v${runId}${String(i).padStart(8, '0')}`,
  });
}
