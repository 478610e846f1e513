import type { ReactNode } from 'react';
import { createBrowserRouter, Navigate } from 'react-router';
import { ApiKeysPage } from '../features/api-keys/ApiKeysPage.tsx';
import { AuditLogPage } from '../features/audit/AuditLogPage.tsx';
import { AccountPage } from '../features/auth/AccountPage.tsx';
import { LoginPage } from '../features/auth/LoginPage.tsx';
import { SetupPage } from '../features/auth/SetupPage.tsx';
import { CampaignDetailPage } from '../features/campaigns/CampaignDetailPage.tsx';
import { CampaignsLayout } from '../features/campaigns/CampaignsLayout.tsx';
import { CampaignsListPage } from '../features/campaigns/CampaignsListPage.tsx';
import { ChannelRulesPage } from '../features/campaigns/ChannelRulesPage.tsx';
import { CompanyPage } from '../features/companies/CompanyPage.tsx';
import { PipelinePage } from '../features/deals/PipelinePage.tsx';
import { PipelineSettingsPage } from '../features/deals/PipelineSettingsPage.tsx';
import { FormEditorPage } from '../features/forms/FormEditorPage.tsx';
import { FormsListPage } from '../features/forms/FormsListPage.tsx';
import { AnalyticsArea } from '../features/home/Areas.tsx';
import { HomePage } from '../features/home/HomePage.tsx';
import { SettingsHome, SettingsLayout } from '../features/home/SettingsLayout.tsx';
import { ImportWizardPage } from '../features/imports/ImportWizardPage.tsx';
import { InboxPage } from '../features/inbox/InboxPage.tsx';
import { RoutingPage } from '../features/inbox/RoutingPage.tsx';
import { JobsPage } from '../features/jobs/JobsPage.tsx';
import { CustomFieldsPage } from '../features/leads/CustomFieldsPage.tsx';
import { LeadDetailPage } from '../features/leads/LeadDetailPage.tsx';
import { LeadsListPage } from '../features/leads/LeadsListPage.tsx';
import { OutboxPage } from '../features/mail/OutboxPage.tsx';
import { MyLeadsPage } from '../features/my-leads/MyLeadsPage.tsx';
import { PolicyPage } from '../features/policy/PolicyPage.tsx';
import { PredictPage } from '../features/predict/PredictPage.tsx';
import { ScoringLayout } from '../features/scoring/ScoringLayout.tsx';
import { ScoringPage } from '../features/scoring/ScoringPage.tsx';
import { SegmentDetailPage } from '../features/segments/SegmentDetailPage.tsx';
import { SegmentEditorPage } from '../features/segments/SegmentEditorPage.tsx';
import { SegmentsPage } from '../features/segments/SegmentsPage.tsx';
import { TasksPage } from '../features/tasks/TasksPage.tsx';
import { TrackingSettingsPage } from '../features/tracking/TrackingSettingsPage.tsx';
import { UsersPage } from '../features/users/UsersPage.tsx';
import { WebhooksPage } from '../features/webhooks/WebhooksPage.tsx';
import { AppLayout } from './AppLayout.tsx';
import { RequireRole, RequireSession } from './RequireSession.tsx';

/** A settings page only admins may open (the server enforces the same). */
const adminOnly = (page: ReactNode) => <RequireRole roles={[]}>{page}</RequireRole>;

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
      { path: 'forms', element: <FormsListPage /> },
      { path: 'forms/new', element: <FormEditorPage /> },
      { path: 'forms/:id', element: <FormEditorPage /> },
      {
        path: 'campaigns',
        element: <CampaignsLayout />,
        children: [
          { index: true, element: <CampaignsListPage /> },
          { path: 'channel-rules', element: <ChannelRulesPage /> },
        ],
      },
      { path: 'campaigns/:id', element: <CampaignDetailPage /> },
      { path: 'segments', element: <SegmentsPage /> },
      { path: 'segments/new', element: <SegmentEditorPage /> },
      { path: 'segments/:id', element: <SegmentDetailPage /> },
      { path: 'segments/:id/edit', element: <SegmentEditorPage /> },
      {
        path: 'scoring',
        element: <ScoringLayout />,
        children: [
          { index: true, element: <ScoringPage /> },
          { path: 'policy', element: <PolicyPage /> },
          { path: 'predict', element: <PredictPage /> },
        ],
      },
      // Where the policy and the predictive model used to live (bookmarks, older links).
      { path: 'predict', element: <Navigate to="/scoring/predict" replace /> },
      { path: 'policy', element: <Navigate to="/scoring/policy" replace /> },
      { path: 'inbox', element: <InboxPage /> },
      { path: 'inbox/routing', element: <RoutingPage /> },
      { path: 'pipeline', element: <PipelinePage /> },
      {
        path: 'pipeline/settings',
        element: (
          <RequireRole roles={['sales_manager']}>
            <PipelineSettingsPage />
          </RequireRole>
        ),
      },
      { path: 'my-leads', element: <MyLeadsPage /> },
      { path: 'tasks', element: <TasksPage /> },
      { path: 'analytics', element: <AnalyticsArea /> },
      { path: 'account', element: <AccountPage /> },
      {
        path: 'settings',
        element: (
          <RequireRole roles={['marketing']}>
            <SettingsLayout />
          </RequireRole>
        ),
        children: [
          { index: true, element: <SettingsHome /> },
          { path: 'users', element: adminOnly(<UsersPage />) },
          { path: 'api-keys', element: adminOnly(<ApiKeysPage />) },
          { path: 'custom-fields', element: adminOnly(<CustomFieldsPage />) },
          { path: 'audit-log', element: adminOnly(<AuditLogPage />) },
          { path: 'jobs', element: adminOnly(<JobsPage />) },
          { path: 'outbox', element: adminOnly(<OutboxPage />) },
          { path: 'tracking', element: adminOnly(<TrackingSettingsPage />) },
          { path: 'webhooks', element: <WebhooksPage /> },
        ],
      },
      { path: '*', element: <Navigate to="/" replace /> },
    ],
  },
]);
