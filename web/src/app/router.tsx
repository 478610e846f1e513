import { createBrowserRouter, Navigate } from 'react-router';
import { ApiKeysPage } from '../features/api-keys/ApiKeysPage.tsx';
import { AuditLogPage } from '../features/audit/AuditLogPage.tsx';
import { AccountPage } from '../features/auth/AccountPage.tsx';
import { LoginPage } from '../features/auth/LoginPage.tsx';
import { SetupPage } from '../features/auth/SetupPage.tsx';
import { CompanyPage } from '../features/companies/CompanyPage.tsx';
import {
  AnalyticsArea,
  CampaignsArea,
  FormsArea,
  InboxArea,
  PipelineArea,
  ScoringArea,
} from '../features/home/Areas.tsx';
import { HomePage } from '../features/home/HomePage.tsx';
import { SettingsLayout } from '../features/home/SettingsLayout.tsx';
import { ImportWizardPage } from '../features/imports/ImportWizardPage.tsx';
import { JobsPage } from '../features/jobs/JobsPage.tsx';
import { CustomFieldsPage } from '../features/leads/CustomFieldsPage.tsx';
import { LeadDetailPage } from '../features/leads/LeadDetailPage.tsx';
import { LeadsListPage } from '../features/leads/LeadsListPage.tsx';
import { OutboxPage } from '../features/mail/OutboxPage.tsx';
import { SegmentDetailPage } from '../features/segments/SegmentDetailPage.tsx';
import { SegmentEditorPage } from '../features/segments/SegmentEditorPage.tsx';
import { SegmentsPage } from '../features/segments/SegmentsPage.tsx';
import { UsersPage } from '../features/users/UsersPage.tsx';
import { AppLayout } from './AppLayout.tsx';
import { RequireRole, RequireSession } from './RequireSession.tsx';

export const router = createBrowserRouter([
  { path: '/setup', element: <SetupPage /> },
  { path: '/login', element: <LoginPage /> },
  {
    path: '/',
    element: (
      <RequireSession>
        <AppLayout />
      </RequireSession>
    ),
    children: [
      { index: true, element: <HomePage /> },
      { path: 'leads', element: <LeadsListPage /> },
      { path: 'leads/import', element: <ImportWizardPage /> },
      { path: 'leads/:id', element: <LeadDetailPage /> },
      { path: 'companies/:id', element: <CompanyPage /> },
      { path: 'segments', element: <SegmentsPage /> },
      { path: 'segments/new', element: <SegmentEditorPage /> },
      { path: 'segments/:id', element: <SegmentDetailPage /> },
      { path: 'segments/:id/edit', element: <SegmentEditorPage /> },
      { path: 'forms', element: <FormsArea /> },
      { path: 'campaigns', element: <CampaignsArea /> },
      { path: 'scoring', element: <ScoringArea /> },
      { path: 'inbox', element: <InboxArea /> },
      { path: 'pipeline', element: <PipelineArea /> },
      { path: 'analytics', element: <AnalyticsArea /> },
      { path: 'account', element: <AccountPage /> },
      {
        path: 'settings',
        element: (
          <RequireRole roles={['admin']}>
            <SettingsLayout />
          </RequireRole>
        ),
        children: [
          { index: true, element: <Navigate to="users" replace /> },
          { path: 'users', element: <UsersPage /> },
          { path: 'api-keys', element: <ApiKeysPage /> },
          { path: 'custom-fields', element: <CustomFieldsPage /> },
          { path: 'audit-log', element: <AuditLogPage /> },
          { path: 'jobs', element: <JobsPage /> },
          { path: 'outbox', element: <OutboxPage /> },
        ],
      },
      { path: '*', element: <Navigate to="/" replace /> },
    ],
  },
]);
