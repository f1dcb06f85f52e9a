"""Unit incentives (KPIs and bonus shares), the influence links between metrics, unit leaders'
proposals, and KPI sheet imports."""
