import { Tabs } from '@mantine/core';
import { IconBrain, IconGauge, IconShieldCheck } from '@tabler/icons-react';
import { Outlet, useLocation, useNavigate } from 'react-router';

/**
 * Scoring is one area with three parts: the rule model that scores leads, the qualification policy
 * that turns scores into MQLs, and the predictive model that ranks open leads.
 */
const tabs = [
  { value: 'model', to: '/scoring', label: 'Model', icon: <IconGauge size={16} /> },
  { value: 'policy', to: '/scoring/policy', label: 'Policy', icon: <IconShieldCheck size={16} /> },
  { value: 'predict', to: '/scoring/predict', label: 'Predictive model', icon: <IconBrain size={16} /> },
];

export function ScoringLayout() {
  const location = useLocation();
  const navigate = useNavigate();
  const current =
    tabs.find((t) => t.value !== 'model' && location.pathname.startsWith(t.to))?.value ?? 'model';
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
