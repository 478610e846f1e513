import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hubspotHeaders } from '../../test-support/hubspot-csv.ts';
import {
  compileMapping,
  detectPreset,
  mappingProblems,
  mapRow,
  parseDate,
  parseEmployees,
  stageOf,
  suggestMapping,
} from './mapping.ts';

// Export headers as each tool writes them (contacts / leads / people exports).
const salesforceApi = [
  'Id',
  'FirstName',
  'LastName',
  'Company',
  'Email',
  'Phone',
  'Title',
  'Website',
  'Country',
  'City',
  'Industry',
  'NumberOfEmployees',
  'LeadSource',
  'Status',
  'CreatedDate',
  'Rating',
];
const salesforceReport = [
  'Lead ID',
  'First Name',
  'Last Name',
  'Company / Account',
  'Email',
  'Phone',
  'Title',
  'Lead Status',
  'Lead Source',
  'Create Date',
];
const mautic = [
  'id',
  'firstname',
  'lastname',
  'email',
  'company',
  'position',
  'phone',
  'mobile',
  'website',
  'country',
  'city',
  'points',
  'stage',
  'date_added',
  'date_modified',
  'last_active',
];
const pipedrive = [
  'Person - ID',
  'Person - Name',
  'Person - First name',
  'Person - Last name',
  'Person - Email - Work',
  'Person - Phone - Work',
  'Person - Organization',
  'Person - Job title',
  'Person - Label',
  'Person - Person created',
];

describe('header mapping presets', () => {
  it('maps a HubSpot contacts export, Record ID as the hubspot external id', () => {
    const { mapping, detected } = suggestMapping(hubspotHeaders, 'auto');
    assert.equal(detected, 'hubspot');
    assert.deepEqual(mapping, {
      'Record ID': 'externalId:hubspot',
      'First Name': 'firstName',
      'Last Name': 'lastName',
      Email: 'email',
      'Phone Number': 'phone',
      'Job Title': 'jobTitle',
      'Company Name': 'companyName',
      'Website URL': 'website',
      'Country/Region': 'country',
      City: 'city',
      Industry: 'industry',
      'Number of Employees': 'companySize',
      'Lifecycle Stage': 'lifecycleStage',
      'Original Source': 'originalSource',
      'Create Date': 'createdAt',
    });
  });

  it('maps Salesforce exports with API names and with report labels', () => {
    const api = suggestMapping(salesforceApi, 'auto');
    assert.equal(api.detected, 'salesforce');
    assert.deepEqual(api.mapping, {
      Id: 'externalId:salesforce',
      FirstName: 'firstName',
      LastName: 'lastName',
      Company: 'companyName',
      Email: 'email',
      Phone: 'phone',
      Title: 'jobTitle',
      Website: 'website',
      Country: 'country',
      City: 'city',
      Industry: 'industry',
      NumberOfEmployees: 'companySize',
      LeadSource: 'originalSource',
      Status: 'lifecycleStage',
      CreatedDate: 'createdAt',
      Rating: null,
    });
    const report = suggestMapping(salesforceReport, 'salesforce').mapping;
    assert.equal(report['Lead ID'], 'externalId:salesforce');
    assert.equal(report['Company / Account'], 'companyName');
    assert.equal(report['Lead Status'], 'lifecycleStage');
    assert.equal(report['Create Date'], 'createdAt');
  });

  it('maps a Mautic contacts export; the second phone column is left for a custom field', () => {
    const { mapping, detected } = suggestMapping(mautic, 'auto');
    assert.equal(detected, 'mautic');
    assert.equal(mapping.id, 'externalId:mautic');
    assert.equal(mapping.position, 'jobTitle');
    assert.equal(mapping.company, 'companyName');
    assert.equal(mapping.phone, 'phone');
    assert.equal(mapping.mobile, null);
    assert.equal(mapping.stage, 'lifecycleStage');
    assert.equal(mapping.date_added, 'createdAt');
    assert.equal(mapping.points, null);
  });

  it('maps a Pipedrive people export with "Person - " columns', () => {
    const { mapping, detected } = suggestMapping(pipedrive, 'auto');
    assert.equal(detected, 'pipedrive');
    assert.deepEqual(mapping, {
      'Person - ID': 'externalId:pipedrive',
      'Person - Name': 'fullName',
      'Person - First name': 'firstName',
      'Person - Last name': 'lastName',
      'Person - Email - Work': 'email',
      'Person - Phone - Work': 'phone',
      'Person - Organization': 'companyName',
      'Person - Job title': 'jobTitle',
      'Person - Label': null,
      'Person - Person created': 'createdAt',
    });
  });

  it('falls back to common spellings, and matches custom fields by key or label', () => {
    const headers = [
      'E-mail Address',
      'Given name',
      'Surname',
      'Organisation',
      'Lead score',
      'cf.region',
      'id',
    ];
    assert.equal(detectPreset(headers), null);
    const { mapping } = suggestMapping(headers, 'auto', [
      { key: 'lead_score', label: 'Lead score' },
      { key: 'region', label: 'Sales region' },
    ]);
    assert.deepEqual(mapping, {
      'E-mail Address': 'email',
      'Given name': 'firstName',
      Surname: 'lastName',
      Organisation: 'companyName',
      'Lead score': 'cf.lead_score',
      'cf.region': 'cf.region',
      id: null,
    });
  });

  it("reads Leadloop's own export headers back", () => {
    const own = ['id', 'email', 'firstName', 'lastName', 'companySize', 'lifecycleStage', 'createdAt'];
    const { mapping } = suggestMapping(own, 'auto');
    assert.deepEqual(mapping, {
      id: null,
      email: 'email',
      firstName: 'firstName',
      lastName: 'lastName',
      companySize: 'companySize',
      lifecycleStage: 'lifecycleStage',
      createdAt: 'createdAt',
    });
  });
});

describe('values', () => {
  it('maps lifecycle values of HubSpot, Salesforce and Mautic to Leadloop stages', () => {
    const cases: [string, string | null][] = [
      ['marketingqualifiedlead', 'mql'],
      ['Marketing Qualified Lead', 'mql'],
      ['salesqualifiedlead', 'sql'],
      ['Evangelist', 'customer'],
      ['Open - Not Contacted', 'lead'],
      ['Working - Contacted', 'sal'],
      ['Closed - Converted', 'sql'],
      ['Closed - Not Converted', 'disqualified'],
      ['Unqualified', 'disqualified'],
      ['Nurturing', 'recycled'],
      ['MQL', 'mql'],
      ['opportunity', 'opportunity'],
      ['Hot prospect', null],
    ];
    for (const [value, stage] of cases) assert.equal(stageOf(value), stage, value);
  });

  it('reads the dates exports write', () => {
    const t = (s: string) => {
      const ms = parseDate(s);
      return ms === null ? null : new Date(ms).toISOString();
    };
    assert.equal(t('2024-03-05 14:23'), '2024-03-05T14:23:00.000Z');
    assert.equal(t('2024-03-05T14:23:11.5+02:00'), '2024-03-05T12:23:11.500Z');
    assert.equal(t('2024-03-05T14:23:11.000Z'), '2024-03-05T14:23:11.000Z');
    assert.equal(t('2024-03-05'), '2024-03-05T00:00:00.000Z');
    assert.equal(t('3/5/2024 2:05 PM'), '2024-03-05T14:05:00.000Z');
    assert.equal(t('25/12/2024'), '2024-12-25T00:00:00.000Z');
    assert.equal(t('05.03.2024 09:30'), '2024-03-05T09:30:00.000Z');
    assert.equal(t('1709648580000'), '2024-03-05T14:23:00.000Z');
    assert.equal(t('2024-02-30'), null);
    assert.equal(t('yesterday'), null);
    assert.equal(t('13/13/2024'), null);
  });

  it('reads employee counts', () => {
    assert.equal(parseEmployees('250'), 250);
    assert.equal(parseEmployees('1,200'), 1200);
    assert.equal(parseEmployees('1.200'), 1200);
    assert.equal(parseEmployees('51-200'), 51);
    assert.equal(parseEmployees('10,000+'), 10000);
    assert.equal(parseEmployees('12.0'), 12);
    assert.equal(parseEmployees('a lot'), null);
    assert.equal(parseEmployees('-5'), null);
  });
});

describe('rows', () => {
  const headers = ['Email', 'Name', 'Stage', 'Created', 'Employees', 'Region', 'ID'];
  const mapping = {
    Email: 'email',
    Name: 'fullName',
    Stage: 'lifecycleStage',
    Created: 'createdAt',
    Employees: 'companySize',
    Region: 'cf.region',
    ID: 'externalId:crm',
  };
  const columns = compileMapping(mapping, headers);
  const now = Date.UTC(2026, 10, 22);

  it('turns a row into a lead input, blanks left out', () => {
    const r = mapRow(
      ['ada@example.com', 'Ada King Lovelace', 'Customer', '2024-01-02 03:04', '1,000', '', 'C-1'],
      headers.length,
      columns,
      now,
    );
    assert.deepEqual(r, {
      kind: 'lead',
      input: {
        email: 'ada@example.com',
        firstName: 'Ada King',
        lastName: 'Lovelace',
        lifecycleStage: 'customer',
        createdAt: '2024-01-02T03:04:00.000Z',
        companySize: 1000,
        externalIds: [{ system: 'crm', id: 'C-1' }],
      },
      problems: [],
    });
  });

  it('names the column, field and rule of each problem; ragged rows and blank rows', () => {
    const bad = mapRow(
      ['x@example.com', 'X', 'Hot', 'soon', 'many', 'EU', '1'],
      headers.length,
      columns,
      now,
    );
    assert.equal(bad.kind, 'failed');
    assert.deepEqual(
      bad.kind === 'failed' ? bad.problems.map((p) => `${p.column}|${p.field}|${p.rule}`) : [],
      ['Stage|lifecycleStage|enum', 'Created|createdAt|format', 'Employees|companySize|type'],
    );
    const future = mapRow(['x@example.com', '', '', '2030-01-01', '', '', ''], headers.length, columns, now);
    assert.equal(future.kind === 'failed' && future.problems[0]?.rule, 'past');
    const short = mapRow(['x@example.com', 'X'], headers.length, columns, now);
    assert.deepEqual(short.kind === 'failed' && short.problems[0], {
      column: null,
      field: 'row',
      rule: 'columns',
      message: 'has 2 values; the header has 7',
    });
    const trailing = mapRow(['x@example.com', '', '', '', '', '', '', ''], headers.length, columns, now);
    assert.equal(trailing.kind, 'lead', 'a trailing empty value is a trailing delimiter');
    const long = mapRow(['x@example.com', '', '', '', '', '', '', 'extra'], headers.length, columns, now);
    assert.equal(long.kind, 'failed');
    assert.deepEqual(mapRow(['', ' ', '', '', '', '', ''], headers.length, columns, now), { kind: 'blank' });
  });

  it('checks a mapping against the headers, the targets and the custom fields', () => {
    assert.deepEqual(mappingProblems(mapping, headers, new Set(['region'])), []);
    assert.deepEqual(
      mappingProblems(
        { Nope: 'email', Email: 'mail', Name: 'cf.unknown', Stage: 'firstName', Created: 'firstName' },
        headers,
        new Set(),
      ).map((p) => `${p.field}|${p.rule}`),
      ['mapping.Nope|column', 'mapping.Email|target', 'mapping.Name|customField', 'mapping.Created|unique'],
    );
  });
});
