/**
 * The vocabulary of the demo data: countries with their cities, names and phone formats; industries
 * and company names; seniorities, departments and job titles; the fictional vendor's web site, forms
 * and campaigns. Every company domain is under the reserved `.example` top-level domain (RFC 2606),
 * so no demo address belongs to a real organisation.
 */

export type Culture = 'en' | 'de' | 'fr' | 'es' | 'it' | 'nl' | 'sv' | 'pl' | 'pt' | 'in' | 'ja';

/** Splits a comma-separated list written across lines (keeps long vocabularies compact). */
function list(text: string): readonly string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export const namesByCulture: Record<Culture, { first: readonly string[]; last: readonly string[] }> = {
  en: {
    first: list(`
      James, Olivia, Liam, Emma, Noah, Ava, William, Sophia, Benjamin, Isabella, Lucas, Mia, Henry,
      Charlotte, Alexander, Amelia, Daniel, Harper, Michael, Emily, Ethan, Abigail, Jacob, Ella,
      Logan, Grace, Ryan, Chloe, Nathan, Hannah, Samuel, Lily, David, Zoe, Owen, Nora, Jack, Sarah,
      Thomas, Rachel`),
    last: list(`
      Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Wilson, Anderson, Taylor, Thomas, Moore,
      Martin, Jackson, Thompson, White, Harris, Clark, Lewis, Walker, Hall, Allen, Young, King,
      Wright, Scott, Green, Baker, Adams, Nelson, Campbell, Mitchell, Roberts, Carter, Phillips,
      Evans, Turner, Parker, Collins, Edwards, Stewart, Murphy, Cook, Morgan, Bennett, Hughes, Price,
      Foster, Reed, Brooks`),
  },
  de: {
    first: list(`
      Lukas, Anna, Leon, Lea, Finn, Hannah, Jonas, Lena, Paul, Marie, Felix, Sophie, Maximilian,
      Laura, Tobias, Julia, Jan, Katharina, Stefan, Sabine, Matthias, Claudia, Andreas, Nicole,
      Florian, Miriam, Moritz, Johanna, Sebastian, Franziska, Jürgen, Petra, Dominik, Jana, Niklas,
      Carina`),
    last: list(`
      Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Koch,
      Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun, Krüger, Hofmann, Hartmann,
      Lange, Schmitt, Werner, Krause, Meier, Lehmann, Huber, Kaiser, Fuchs, Peters, Vogel, Keller,
      Günther, Frank`),
  },
  fr: {
    first: list(`
      Louis, Camille, Gabriel, Léa, Hugo, Manon, Arthur, Chloé, Jules, Inès, Nicolas, Julie, Thomas,
      Sarah, Antoine, Pauline, Maxime, Claire, Julien, Élodie, Mathieu, Aurélie, Romain, Marion,
      Guillaume, Céline, Baptiste, Émilie, Théo, Margaux`),
    last: list(`
      Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, Simon, Laurent,
      Lefebvre, Michel, Garcia, David, Bertrand, Roux, Vincent, Fournier, Morel, Girard, André,
      Mercier, Dupont, Lambert, Bonnet, François, Martinez, Legrand`),
  },
  es: {
    first: list(`
      Alejandro, Lucía, Daniel, María, Pablo, Paula, Javier, Laura, Carlos, Carmen, Sergio, Marta,
      David, Ana, Adrián, Sara, Diego, Elena, Álvaro, Cristina, Jorge, Andrea, Miguel, Irene, Raúl,
      Sofía, Fernando, Valeria, Luis, Gabriela`),
    last: list(`
      García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez, Martín,
      Jiménez, Ruiz, Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Navarro, Torres, Domínguez,
      Vázquez, Ramos, Gil, Serrano, Castro, Ortega, Rubio, Molina, Delgado`),
  },
  it: {
    first: list(`
      Francesco, Giulia, Alessandro, Sofia, Lorenzo, Aurora, Matteo, Chiara, Andrea, Francesca,
      Marco, Federica, Luca, Valentina, Giuseppe, Martina, Davide, Elisa, Simone, Alessia, Riccardo,
      Sara, Stefano, Silvia, Paolo, Elena`),
    last: list(`
      Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Bruno, Gallo,
      Conti, De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, Moretti, Barbieri, Fontana, Santoro,
      Mariani, Rinaldi, Caruso`),
  },
  nl: {
    first: list(`
      Daan, Emma, Sem, Julia, Lucas, Mila, Levi, Sophie, Thijs, Tess, Jesse, Fleur, Bram, Anouk,
      Ruben, Lotte, Niels, Sanne, Joost, Femke, Pieter, Eva, Koen, Iris`),
    last: list(`
      de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, Meijer,
      de Boer, Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, Brouwer, de Wit,
      Dijkstra, Smits, van der Meer`),
  },
  sv: {
    first: list(`
      Erik, Anna, Lars, Maria, Karl, Eva, Johan, Karin, Anders, Sara, Oskar, Elin, Nils, Emma,
      Gustav, Ida, Viktor, Linnea, Axel, Maja`),
    last: list(`
      Andersson, Johansson, Karlsson, Nilsson, Eriksson, Larsson, Olsson, Persson, Svensson,
      Gustafsson, Pettersson, Jonsson, Jansson, Hansson, Bengtsson, Lindberg, Lindqvist, Berg,
      Sandberg, Lindström`),
  },
  pl: {
    first: list(`
      Jakub, Zuzanna, Kacper, Julia, Szymon, Maja, Piotr, Anna, Tomasz, Katarzyna, Paweł, Magdalena,
      Michał, Agnieszka, Krzysztof, Joanna, Marcin, Aleksandra`),
    last: list(`
      Nowak, Kowalski, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński, Szymański,
      Woźniak, Dąbrowski, Kozłowski, Jankowski, Mazur, Kwiatkowski, Krawczyk`),
  },
  pt: {
    first: list(`
      Miguel, Alice, Arthur, Helena, Gael, Laura, Heitor, Valentina, Rafael, Beatriz, Gustavo,
      Mariana, Lucas, Juliana, Pedro, Camila, Bruno, Fernanda, Thiago, Larissa`),
    last: list(`
      Silva, Santos, Oliveira, Souza, Rodrigues, Ferreira, Alves, Pereira, Lima, Gomes, Costa,
      Ribeiro, Martins, Carvalho, Almeida, Lopes, Soares, Fernandes, Vieira, Barbosa`),
  },
  in: {
    first: list(`
      Aarav, Ananya, Vihaan, Diya, Arjun, Isha, Rohan, Priya, Aditya, Kavya, Rahul, Sneha, Vikram,
      Pooja, Karan, Neha, Siddharth, Anjali, Amit, Divya, Nikhil, Meera, Sanjay, Riya`),
    last: list(`
      Sharma, Verma, Patel, Gupta, Singh, Kumar, Reddy, Iyer, Nair, Mehta, Joshi, Desai, Rao, Shah,
      Kapoor, Malhotra, Chopra, Banerjee, Mukherjee, Pillai`),
  },
  ja: {
    first: list(`
      Haruto, Yui, Sota, Aoi, Yuto, Hina, Ren, Sakura, Kenji, Yuki, Takumi, Mei, Daiki, Rin, Hiroshi,
      Akiko, Kaito, Emi`),
    last: list(`
      Sato, Suzuki, Takahashi, Tanaka, Watanabe, Ito, Yamamoto, Nakamura, Kobayashi, Kato, Yoshida,
      Yamada, Sasaki, Yamaguchi, Matsumoto, Inoue, Kimura, Hayashi`),
  },
};

export type Country = {
  /** ISO 3166-1 alpha-2, as stored on the lead. */
  code: string;
  weight: number;
  culture: Culture;
  cities: readonly string[];
  /** Hours ahead of UTC in the (northern) winter; enough to put office hours in the right place. */
  utcOffset: number;
  freeMail: readonly string[];
  phone: (digits: (n: number) => string) => string;
  /** A company name suffix now and then ("GmbH"), never part of the domain. */
  legal: readonly string[];
};

// Phone numbers stay inside ranges set aside for fiction where a country has one (US/CA 555-01xx,
// UK 07700 900xxx, Australia 0491 570 xxx); elsewhere they are well-formed but made up.
export const countries: readonly Country[] = [
  {
    code: 'US',
    weight: 31,
    culture: 'en',
    cities: [
      'New York',
      'San Francisco',
      'Chicago',
      'Austin',
      'Boston',
      'Seattle',
      'Denver',
      'Atlanta',
      'Los Angeles',
      'Miami',
    ],
    utcOffset: -6,
    freeMail: ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'hotmail.com'],
    phone: (d) =>
      `+1 ${['212', '415', '312', '512', '617', '206', '303', '404'][Number(d(1)) % 8]} 555 01${d(2)}`,
    legal: ['Inc.', 'LLC', 'Corp.'],
  },
  {
    code: 'GB',
    weight: 12,
    culture: 'en',
    cities: ['London', 'Manchester', 'Birmingham', 'Leeds', 'Bristol', 'Edinburgh', 'Glasgow', 'Cambridge'],
    utcOffset: 0,
    freeMail: ['gmail.com', 'outlook.com', 'hotmail.co.uk', 'yahoo.co.uk', 'btinternet.com'],
    phone: (d) => `+44 7700 900${d(3)}`,
    legal: ['Ltd', 'plc'],
  },
  {
    code: 'DE',
    weight: 10,
    culture: 'de',
    cities: ['Berlin', 'Munich', 'Hamburg', 'Frankfurt', 'Cologne', 'Stuttgart', 'Düsseldorf', 'Leipzig'],
    utcOffset: 1,
    freeMail: ['gmx.de', 'web.de', 'gmail.com', 't-online.de'],
    phone: (d) => `+49 ${['30', '89', '40', '69', '221'][Number(d(1)) % 5]} ${d(4)} ${d(3)}`,
    legal: ['GmbH', 'AG', 'SE'],
  },
  {
    code: 'FR',
    weight: 7,
    culture: 'fr',
    cities: ['Paris', 'Lyon', 'Marseille', 'Toulouse', 'Nantes', 'Lille', 'Bordeaux'],
    utcOffset: 1,
    freeMail: ['orange.fr', 'gmail.com', 'free.fr', 'laposte.net'],
    phone: (d) => `+33 1 ${d(2)} ${d(2)} ${d(2)} ${d(2)}`,
    legal: ['SAS', 'SA'],
  },
  {
    code: 'CA',
    weight: 5,
    culture: 'en',
    cities: ['Toronto', 'Vancouver', 'Montreal', 'Calgary', 'Ottawa'],
    utcOffset: -5,
    freeMail: ['gmail.com', 'outlook.com', 'yahoo.ca'],
    phone: (d) => `+1 ${['416', '604', '514', '403'][Number(d(1)) % 4]} 555 01${d(2)}`,
    legal: ['Inc.', 'Ltd.'],
  },
  {
    code: 'NL',
    weight: 4,
    culture: 'nl',
    cities: ['Amsterdam', 'Rotterdam', 'Utrecht', 'Eindhoven', 'The Hague'],
    utcOffset: 1,
    freeMail: ['gmail.com', 'hotmail.com', 'ziggo.nl'],
    phone: (d) => `+31 20 ${d(3)} ${d(4)}`,
    legal: ['B.V.', 'N.V.'],
  },
  {
    code: 'ES',
    weight: 4,
    culture: 'es',
    cities: ['Madrid', 'Barcelona', 'Valencia', 'Seville', 'Bilbao', 'Málaga'],
    utcOffset: 1,
    freeMail: ['gmail.com', 'hotmail.es', 'yahoo.es'],
    phone: (d) => `+34 91 ${d(3)} ${d(2)} ${d(2)}`,
    legal: ['S.L.', 'S.A.'],
  },
  {
    code: 'IT',
    weight: 3,
    culture: 'it',
    cities: ['Milan', 'Rome', 'Turin', 'Bologna', 'Florence', 'Naples'],
    utcOffset: 1,
    freeMail: ['gmail.com', 'libero.it', 'hotmail.it'],
    phone: (d) => `+39 02 ${d(4)} ${d(4)}`,
    legal: ['S.r.l.', 'S.p.A.'],
  },
  {
    code: 'SE',
    weight: 3,
    culture: 'sv',
    cities: ['Stockholm', 'Gothenburg', 'Malmö', 'Uppsala'],
    utcOffset: 1,
    freeMail: ['gmail.com', 'hotmail.com', 'outlook.com'],
    phone: (d) => `+46 8 ${d(3)} ${d(2)} ${d(2)}`,
    legal: ['AB'],
  },
  {
    code: 'PL',
    weight: 2,
    culture: 'pl',
    cities: ['Warsaw', 'Kraków', 'Wrocław', 'Gdańsk', 'Poznań'],
    utcOffset: 1,
    freeMail: ['gmail.com', 'wp.pl', 'onet.pl'],
    phone: (d) => `+48 22 ${d(3)} ${d(2)} ${d(2)}`,
    legal: ['sp. z o.o.', 'S.A.'],
  },
  {
    code: 'AU',
    weight: 4,
    culture: 'en',
    cities: ['Sydney', 'Melbourne', 'Brisbane', 'Perth', 'Adelaide'],
    utcOffset: 10,
    freeMail: ['gmail.com', 'outlook.com', 'bigpond.com'],
    phone: (d) => `+61 491 570 ${d(3)}`,
    legal: ['Pty Ltd'],
  },
  {
    code: 'IE',
    weight: 2,
    culture: 'en',
    cities: ['Dublin', 'Cork', 'Galway'],
    utcOffset: 0,
    freeMail: ['gmail.com', 'eircom.net', 'outlook.com'],
    phone: (d) => `+353 1 ${d(3)} ${d(4)}`,
    legal: ['Ltd', 'DAC'],
  },
  {
    code: 'IN',
    weight: 5,
    culture: 'in',
    cities: ['Bengaluru', 'Mumbai', 'New Delhi', 'Hyderabad', 'Pune', 'Chennai'],
    utcOffset: 5.5,
    freeMail: ['gmail.com', 'yahoo.co.in', 'rediffmail.com'],
    phone: (d) => `+91 98${d(3)} ${d(5)}`,
    legal: ['Pvt. Ltd.', 'Ltd.'],
  },
  {
    code: 'BR',
    weight: 4,
    culture: 'pt',
    cities: ['São Paulo', 'Rio de Janeiro', 'Belo Horizonte', 'Curitiba', 'Porto Alegre'],
    utcOffset: -3,
    freeMail: ['gmail.com', 'hotmail.com', 'uol.com.br', 'yahoo.com.br'],
    phone: (d) => `+55 11 9${d(4)}-${d(4)}`,
    legal: ['Ltda.', 'S.A.'],
  },
  {
    code: 'JP',
    weight: 2,
    culture: 'ja',
    cities: ['Tokyo', 'Osaka', 'Yokohama', 'Nagoya', 'Fukuoka'],
    utcOffset: 9,
    freeMail: ['gmail.com', 'yahoo.co.jp'],
    phone: (d) => `+81 3 ${d(4)} ${d(4)}`,
    legal: ['K.K.', 'Co., Ltd.'],
  },
];

export const industries = [
  'software',
  'finance',
  'healthcare',
  'manufacturing',
  'retail',
  'education',
  'logistics',
  'media',
  'professional services',
  'government',
  'nonprofit',
] as const;
export type Industry = (typeof industries)[number];

export const industryWeights: Record<Industry, number> = {
  software: 18,
  finance: 11,
  healthcare: 10,
  manufacturing: 12,
  retail: 10,
  education: 7,
  logistics: 8,
  media: 7,
  'professional services': 10,
  government: 3,
  nonprofit: 4,
};

/** How an industry's companies are named: the second word of "Northwind Logistics". */
export const industryNouns: Record<Industry, readonly string[]> = {
  software: ['Software', 'Labs', 'Systems', 'Cloud', 'Data', 'AI', 'Digital', 'Technologies', 'Apps'],
  finance: ['Capital', 'Financial', 'Bank', 'Insurance', 'Partners', 'Payments', 'Investments', 'Credit'],
  healthcare: ['Health', 'Medical', 'Care', 'Clinics', 'Pharma', 'Diagnostics', 'Biotech'],
  manufacturing: ['Manufacturing', 'Industries', 'Works', 'Components', 'Machines', 'Materials', 'Tools'],
  retail: ['Outfitters', 'Market', 'Stores', 'Goods', 'Home', 'Fashion', 'Grocers'],
  education: ['Academy', 'Learning', 'Institute', 'School', 'Education', 'College'],
  logistics: ['Logistics', 'Freight', 'Shipping', 'Transport', 'Cargo', 'Express'],
  media: ['Media', 'Studios', 'Publishing', 'Press', 'Broadcasting', 'Entertainment'],
  'professional services': ['Consulting', 'Advisors', 'Group', 'Associates', 'Partners', 'Agency'],
  government: ['Public Services', 'Council', 'Authority', 'Agency'],
  nonprofit: ['Foundation', 'Trust', 'Alliance', 'Society', 'Fund'],
};

export const companyWords = list(`
  Northwind, Blue Harbor, Summit, Ironwood, Clearwater, Brightline, Redwood, Granite, Silverleaf,
  Oakridge, Pinnacle, Evergreen, Crescent, Atlas, Beacon, Cobalt, Meridian, Lumen, Harborview,
  Keystone, Riverbend, Stonegate, Westfield, Northstar, Bluebird, Foxglove, Juniper, Larkspur,
  Maplewood, Copperline, Driftwood, Falcon, Horizon, Kestrel, Lighthouse, Sparrow, Tidewater,
  Vantage, Wildflower, Aurora, Boreal, Cascade, Elmstead, Fairhaven, Greystone, Highpoint, Ivory,
  Lakeshore, Moonrise, Nimbus, Orchard, Pioneer, Quartz, Sagebrush, Thornbury, Upland, Vireo,
  Willowby, Yellowpine, Zephyr, Alder, Bramble, Cedar Point, Dunmore, Ember, Fernhill, Glacier,
  Hollow Oak, Indigo, Jasper, Kingsley, Lodestar, Mosaic, Nettle, Onyx, Pebble, Quill, Rosewood,
  Saltmarsh, Tamarack, Umber, Verdant, Wrenfield, Arbor, Basalt, Corvid, Delta, Eastgate, Flint`);

/** Size bands with realistic weights (many small companies, a long tail of large ones). */
export const sizeBands: readonly (readonly [[number, number], number])[] = [
  [[2, 10], 22],
  [[11, 50], 28],
  [[51, 200], 22],
  [[201, 1000], 15],
  [[1001, 5000], 8],
  [[5001, 60000], 3],
];

export const seniorities = [
  'c_level',
  'vp',
  'director',
  'head',
  'manager',
  'senior',
  'individual',
  'intern',
  'student',
] as const;
export type Seniority = (typeof seniorities)[number];

export const departments = [
  'marketing',
  'sales',
  'revops',
  'it',
  'engineering',
  'product',
  'finance',
  'hr',
  'customer_success',
  'operations',
] as const;
export type Department = (typeof departments)[number];

export const departmentWeights: Record<Department, number> = {
  marketing: 34,
  sales: 20,
  revops: 9,
  it: 8,
  engineering: 7,
  product: 6,
  finance: 4,
  hr: 3,
  customer_success: 4,
  operations: 5,
};

/** Title parts per department: the area a manager or head runs, and what an individual contributor is. */
export const departmentTitles: Record<
  Department,
  { label: string; areas: readonly string[]; roles: readonly string[]; chief: readonly string[] }
> = {
  marketing: {
    label: 'Marketing',
    areas: [
      'Marketing',
      'Demand Generation',
      'Growth',
      'Digital Marketing',
      'Content Marketing',
      'Product Marketing',
      'Marketing Operations',
      'Field Marketing',
    ],
    roles: [
      'Marketing Specialist',
      'Content Strategist',
      'SEO Specialist',
      'Campaign Specialist',
      'Marketing Coordinator',
      'Growth Marketer',
    ],
    chief: ['Chief Marketing Officer', 'CMO'],
  },
  sales: {
    label: 'Sales',
    areas: ['Sales', 'Business Development', 'Inside Sales', 'Enterprise Sales', 'Sales Development'],
    roles: [
      'Account Executive',
      'Sales Development Representative',
      'Business Development Representative',
      'Account Manager',
    ],
    chief: ['Chief Revenue Officer', 'CRO', 'Chief Sales Officer'],
  },
  revops: {
    label: 'Revenue Operations',
    areas: ['Revenue Operations', 'Sales Operations', 'RevOps', 'CRM'],
    roles: ['Revenue Operations Analyst', 'Sales Operations Analyst', 'CRM Administrator'],
    chief: ['Chief Revenue Officer', 'Chief Operating Officer'],
  },
  it: {
    label: 'IT',
    areas: ['IT', 'Information Technology', 'IT Infrastructure', 'Business Systems'],
    roles: ['Systems Administrator', 'IT Specialist', 'Business Systems Analyst'],
    chief: ['Chief Information Officer', 'CIO'],
  },
  engineering: {
    label: 'Engineering',
    areas: ['Engineering', 'Software Engineering', 'Platform', 'Data Engineering'],
    roles: ['Software Engineer', 'Data Engineer', 'Developer', 'Data Analyst'],
    chief: ['Chief Technology Officer', 'CTO'],
  },
  product: {
    label: 'Product',
    areas: ['Product', 'Product Operations', 'Product Design'],
    roles: ['Product Manager', 'Product Designer', 'Product Analyst'],
    chief: ['Chief Product Officer'],
  },
  finance: {
    label: 'Finance',
    areas: ['Finance', 'FP&A', 'Accounting', 'Procurement'],
    roles: ['Financial Analyst', 'Accountant', 'Procurement Specialist'],
    chief: ['Chief Financial Officer', 'CFO'],
  },
  hr: {
    label: 'People',
    areas: ['People', 'Human Resources', 'Talent Acquisition'],
    roles: ['HR Generalist', 'Recruiter', 'People Partner'],
    chief: ['Chief People Officer'],
  },
  customer_success: {
    label: 'Customer Success',
    areas: ['Customer Success', 'Customer Experience', 'Support'],
    roles: ['Customer Success Manager', 'Support Specialist', 'Onboarding Specialist'],
    chief: ['Chief Customer Officer'],
  },
  operations: {
    label: 'Operations',
    areas: ['Operations', 'Business Operations', 'Strategy'],
    roles: ['Operations Analyst', 'Business Analyst', 'Project Manager'],
    chief: ['Chief Operating Officer', 'COO'],
  },
};

export const studentTitles = [
  'Student',
  'MBA Student',
  'Graduate Student',
  'Marketing Student',
  'PhD Candidate',
];
export const freelanceTitles = [
  'Freelance Consultant',
  'Independent Consultant',
  'Freelance Marketer',
  'Consultant',
];

// ── The fictional vendor whose site, forms and campaigns the demo leads interact with ──────────────

export const site = 'https://www.tidewell.example';

export type Page = { path: string; title: string };

export const pages = {
  home: { path: '/', title: 'Tidewell — revenue analytics for B2B teams' },
  product: { path: '/product', title: 'Product overview | Tidewell' },
  integrations: { path: '/product/integrations', title: 'Integrations | Tidewell' },
  forecasting: { path: '/product/forecasting', title: 'Pipeline forecasting | Tidewell' },
  dashboards: { path: '/product/dashboards', title: 'Dashboards | Tidewell' },
  customers: { path: '/customers', title: 'Customer stories | Tidewell' },
  pricing: { path: '/pricing', title: 'Pricing | Tidewell' },
  security: { path: '/security', title: 'Security and compliance | Tidewell' },
  about: { path: '/about', title: 'About us | Tidewell' },
  careers: { path: '/careers', title: 'Careers | Tidewell' },
  docs: { path: '/docs/getting-started', title: 'Getting started | Tidewell docs' },
  demo: { path: '/demo', title: 'Book a demo | Tidewell' },
  contactSales: { path: '/contact-sales', title: 'Talk to sales | Tidewell' },
  compare: { path: '/compare/spreadsheets', title: 'Tidewell vs. spreadsheets' },
  landing: { path: '/lp/revenue-analytics', title: 'Revenue analytics in a day | Tidewell' },
} as const satisfies Record<string, Page>;

export const blogPosts: readonly Page[] = [
  { path: '/blog/lead-scoring-basics', title: 'Lead scoring: a practical introduction' },
  { path: '/blog/mql-vs-sql', title: 'MQL vs. SQL: where marketing hands off' },
  { path: '/blog/attribution-models-explained', title: 'Attribution models explained' },
  { path: '/blog/pipeline-review-template', title: 'A pipeline review template that works' },
  { path: '/blog/b2b-funnel-benchmarks', title: 'B2B funnel benchmarks for 2026' },
  { path: '/blog/sales-marketing-sla', title: 'Writing a sales and marketing SLA' },
  { path: '/blog/forecast-accuracy', title: 'Five ways to improve forecast accuracy' },
  { path: '/blog/utm-naming-conventions', title: 'UTM naming conventions for growing teams' },
  { path: '/blog/churn-early-warning', title: 'Early warning signs of churn' },
  { path: '/blog/abm-for-beginners', title: 'Account-based marketing for beginners' },
];

export const ebooks: readonly (Page & { name: string })[] = [
  {
    path: '/resources/ebooks/revenue-operations-playbook',
    title: 'The revenue operations playbook',
    name: 'revenue-operations-playbook',
  },
  {
    path: '/resources/ebooks/state-of-b2b-pipeline',
    title: 'State of B2B pipeline 2026',
    name: 'state-of-b2b-pipeline',
  },
  {
    path: '/resources/ebooks/lead-scoring-guide',
    title: 'The lead scoring guide',
    name: 'lead-scoring-guide',
  },
];

export const webinars: readonly (Page & { name: string })[] = [
  {
    path: '/webinars/forecasting-masterclass',
    title: 'Forecasting masterclass',
    name: 'forecasting-masterclass',
  },
  {
    path: '/webinars/attribution-that-finance-trusts',
    title: 'Attribution that finance trusts',
    name: 'attribution-that-finance-trusts',
  },
  { path: '/webinars/pipeline-hygiene', title: 'Pipeline hygiene in 30 minutes', name: 'pipeline-hygiene' },
];

export const forms = ['demo-request', 'ebook', 'newsletter', 'contact-sales', 'webinar'] as const;
export type FormName = (typeof forms)[number];

export const channels = [
  'organic_search',
  'paid_search',
  'organic_social',
  'paid_social',
  'email',
  'referral',
  'direct',
  'events',
] as const;
export type Channel = (typeof channels)[number];

/** How first touches are spread over channels (share of leads, in percent). */
export const channelWeights: Record<Channel, number> = {
  organic_search: 27,
  paid_search: 16,
  organic_social: 9,
  paid_social: 11,
  email: 7,
  referral: 10,
  direct: 14,
  events: 6,
};

export const searchEngines = [
  ['https://www.google.com/', 80],
  ['https://www.bing.com/', 12],
  ['https://duckduckgo.com/', 8],
] as const;

export const socialNetworks = [
  ['https://www.linkedin.com/', 55],
  ['https://t.co/', 15],
  ['https://www.facebook.com/', 12],
  ['https://www.reddit.com/', 10],
  ['https://www.youtube.com/', 8],
] as const;

/** Sites that link to the vendor: partners, review sites and newsletters, all fictional. */
export const referrers = [
  'https://martech-weekly.example/best-revenue-analytics-tools',
  'https://www.revops-community.example/threads/forecasting-tools',
  'https://saas-reviews.example/categories/revenue-analytics',
  'https://partner.crm-integrators.example/blog/tidewell-integration',
  'https://growthnotes.example/issue-142',
  'https://b2b-marketing-hub.example/resources/tools',
] as const;

export const paidSearchCampaigns = [
  'brand',
  'revenue-analytics',
  'pipeline-forecasting',
  'competitor-alternatives',
];
export const paidSocialCampaigns = ['abm-enterprise', 'ebook-lead-gen', 'retargeting', 'webinar-promo'];

/** Trade events (fictional) with their age in days before now; event leads cluster after them. */
export const tradeEvents = [
  { source: 'b2b-growth-summit', daysAgo: 320 },
  { source: 'revops-live', daysAgo: 235 },
  { source: 'martech-expo', daysAgo: 150 },
  { source: 'saas-connect', daysAgo: 75 },
  { source: 'pipeline-forum', daysAgo: 18 },
] as const;

export const disqualifyReasons = {
  student: 'student or job seeker',
  noCompany: 'no company',
  tooSmall: 'company too small',
  notAFit: 'not a fit',
  noBudget: 'no budget',
  competitor: 'competitor',
  badData: 'bad contact data',
} as const;

export const recycleReasons = {
  notReady: 'not ready to buy',
  timing: 'bad timing',
  noResponse: 'no response',
  lostPrice: 'deal lost: price',
  lostCompetitor: 'deal lost: chose a competitor',
  lostNoDecision: 'deal lost: no decision',
} as const;

export const planOptions = ['Starter', 'Growth', 'Enterprise'] as const;
export const budgetOptions = ['Under $10k', '$10k–$50k', '$50k–$250k', 'Over $250k'] as const;

/** The custom fields the demo fills, created through the leads module when missing. */
export const demoCustomFields = [
  {
    key: 'plan_interest',
    label: 'Plan interest',
    type: 'select',
    options: [...planOptions],
    helpText: 'The plan named on a demo request',
  },
  {
    key: 'budget_band',
    label: 'Annual budget',
    type: 'select',
    options: [...budgetOptions],
    helpText: 'As stated to sales',
  },
  {
    key: 'newsletter',
    label: 'Newsletter',
    type: 'boolean',
    options: [],
    helpText: 'Subscribed to the newsletter',
  },
  { key: 'seats', label: 'Seats', type: 'number', options: [], helpText: 'Seats asked about' },
] as const;
