"""The demo's legacy annual KPIs, a starter set of influence links between common CX metrics, and the
counterweights that pair speed, volume and cost metrics with quality and customer ones."""
from sqlalchemy import select

from okrapp.core.extensions import db
from okrapp.incentives.models import Incentive, MetricLink, MetricPair
from okrapp.okrs.metric_models import Metric
from okrapp.incentives import periods
from okrapp.okrs.operations import create_metric

# name, unit, min, max
OPERATIONAL_METRICS = [
    ("Orders per sales rep", "per month", 0, None),
    ("Delivery lead time", "days", 0, None),
    ("Average handling time", "min", 0, None),
    ("First contact resolution", "%", 0, 100),
    ("Installation cost per job", "EUR", 0, None),
    ("Installation jobs per week", "jobs", 0, None),
    ("Field visits per technician", "per week", 0, None),
    ("Tickets closed", "per week", 0, None),
    ("Days sales outstanding", "days", 0, None),
    ("Gross margin", "%", -100, 100),
    ("Deliveries per route", "stops", 0, None),
    ("Cost per delivery", "EUR", 0, None),
    ("New customer logos", "per quarter", 0, None),
]

# source key, target key, sign, strength, rationale
STARTER_LINKS = [
    ("orders_per_sales_rep", "delivery_lead_time", 1, 0.7, "Orders beyond delivery capacity queue up."),
    ("delivery_lead_time", "on_time_delivery", -1, 0.8, "Longer queues miss promised dates."),
    ("delivery_lead_time", "csat", -1, 0.5, "Customers wait longer for what they bought."),
    ("on_time_delivery", "csat", 1, 0.6, "Promises kept are the first driver of satisfaction."),
    ("csat", "nps", 1, 0.6, "Satisfied customers recommend."),
    ("csat", "churn_rate", -1, 0.5, "Dissatisfied customers leave."),
    ("churn_rate", "retention_rate", -1, 0.9, "Two views of the same customers."),
    ("retention_rate", "clv", 1, 0.7, "Customers who stay buy for longer."),
    ("clv", "revenue", 1, 0.4, "Lifetime value turns into revenue."),
    ("new_customer_logos", "revenue", 1, 0.5, "New customers bring new revenue."),
    ("average_handling_time", "first_contact_resolution", 1, 0.6, "Rushed calls leave problems unsolved."),
    ("first_contact_resolution", "ces", -1, 0.7, "Solved at once means less effort for the customer."),
    ("ces", "csat", -1, 0.6, "Effort lowers satisfaction."),
    ("tickets_closed", "first_contact_resolution", -1, 0.3, "Closing tickets fast reopens them later."),
    ("deliveries_per_route", "on_time_delivery", -1, 0.5, "Packed routes run late."),
    ("cost_per_delivery", "on_time_delivery", 1, 0.4, "Cheaper delivery means fewer spare trucks."),
    ("installation_cost_per_job", "csat", 1, 0.3, "Cheaper installation jobs cut corners."),
    ("installation_cost_per_job", "gross_margin", -1, 0.5, "Installation cost is part of cost of sales."),
    ("installation_jobs_per_week", "csat", -1, 0.3, "Rushed installations need return visits."),
    ("field_visits_per_technician", "csat", -1, 0.2, "Short visits fix symptoms, not causes."),
    ("days_sales_outstanding", "invoice_disputes", -1, 0.4, "Aggressive collection provokes disputes."),
    ("invoice_disputes", "csat", -1, 0.4, "Billing fights sour the relationship."),
]

# metric key, counterweight key: a bonus on the first should be weighed by the second in the same unit
STARTER_PAIRS = [
    ("cost_per_delivery", "on_time_delivery"),
    ("deliveries_per_route", "on_time_delivery"),
    ("orders_per_sales_rep", "churn_rate"),
    ("average_handling_time", "first_contact_resolution"),
    ("tickets_closed", "first_contact_resolution"),
    ("installation_jobs_per_week", "csat"),
    ("installation_cost_per_job", "csat"),
    ("field_visits_per_technician", "csat"),
]

# unit, KPI name, metric key, direction, weight, target
LEGACY_INCENTIVES = [
    ("Equipment Sales", "Orders per sales rep", "orders_per_sales_rep", "increase", 0.5, 14),
    ("Equipment Sales", "New customer logos", "new_customer_logos", "increase", 0.3, 25),
    ("Equipment Sales", "Quarterly revenue", "revenue", "increase", 0.2, 3500000),
    ("Installation & Delivery", "Installation cost per job", "installation_cost_per_job", "decrease", 0.5, 850),
    ("Installation & Delivery", "Jobs completed per week", "installation_jobs_per_week", "increase", 0.5, 40),
    ("Maintenance Services", "Service contract renewals", "retention_rate", "increase", 0.6, 92),
    ("Maintenance Services", "Field visits per technician", "field_visits_per_technician", "increase", 0.4, 18),
    ("Customer Care", "Average handling time", "average_handling_time", "decrease", 0.6, 6),
    ("Customer Care", "Tickets closed", "tickets_closed", "increase", 0.4, 900),
    ("Finance", "Days sales outstanding", "days_sales_outstanding", "decrease", 0.5, 35),
    ("Finance", "Gross margin", "gross_margin", "increase", 0.5, 32),
    ("Nordic Last Mile Oy", "Deliveries per route", "deliveries_per_route", "increase", 0.7, 22),
    ("Nordic Last Mile Oy", "Cost per delivery", "cost_per_delivery", "decrease", 0.3, 38),
]


def load_incentives(units: dict, by) -> None:
    metrics = load_starter_links(by)
    year = periods.resolve("2026")
    for unit, name, key, direction, weight, target in LEGACY_INCENTIVES:
        db.session.add(Incentive(unit=units[unit], name=name, metric=metrics[key], direction=direction, weight=weight,
                                 target=target, period=year.name, plan_period=year, source="import", created_by=by,
                                 note="Annual bonus criterion from the 2026 KPI sheet."))
    db.session.flush()


def load_starter_links(by) -> dict:
    """The operational metrics, the starter links between them and the customer metrics, and the
    counterweights pairing them (only those whose metrics exist)."""
    for name, unit, low, high in OPERATIONAL_METRICS:
        create_metric(name, unit, low, high)
    metrics = {m.key: m for m in db.session.scalars(select(Metric))}
    for source, target, sign, strength, why in STARTER_LINKS:
        db.session.add(MetricLink(source=metrics[source], target=metrics[target], sign=sign, strength=strength,
                                  rationale=why, updated_by=by))
    for key, counter in STARTER_PAIRS:
        if key in metrics and counter in metrics:
            db.session.add(MetricPair(metric=metrics[key], counter=metrics[counter],
                                      created_by_id=getattr(by, "id", None)))
    db.session.flush()
    return metrics
