import { Tabs } from '@mantine/core';
import { IconBrain, IconGauge, IconShieldCheck } from '@tabler/icons-react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { useSession } from '../auth/api.ts';

/**
 * Scoring is one area with three parts: the rule model that scores leads, the qualification policy
 * that turns scores into MQLs, and the predictive model that ranks open leads.
 */
const allTabs = [
  { value: 'model', to: '/scoring', label: 'Model', icon: <IconGauge size={16} />, reps: false },
  {
    value: 'policy',
    to: '/scoring/policy',
    label: 'Policy',
    icon: <IconShieldCheck size={16} />,
    reps: true,
  },
  {
    value: 'predict',
    to: '/scoring/predict',
    label: 'Predictive model',
    icon: <IconBrain size={16} />,
    reps: false,
  },
];

export function ScoringLayout() {
  // Reps see the policy they sell under, not the models behind it.
  const rep = useSession().data?.role === 'sales_rep';
  const tabs = allTabs.filter((t) => !rep || t.reps);
  const location = useLocation();
  const navigate = useNavigate();
  const current =
    allTabs.find((t) => t.value !== 'model' && location.pathname.startsWith(t.to))?.value ?? 'model';
  return (
    <>
      <Tabs
        value={current}
        onChange={(v) => {
          const tab = tabs.find((t) => t.value === v);
          if (tab) navigate(tab.to);
        }}
        mb="lg"
      >
        <Tabs.List aria-label="Scoring">
          {tabs.map((t) => (
            <Tabs.Tab key={t.value} value={t.value} leftSection={t.icon}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      <Outlet />
    </>
  );
}
