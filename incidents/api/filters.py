import django_filters

from incidents.models import Incident
from incidents.times import PlausibleIsoDateTimeFilter


class IncidentFilter(django_filters.FilterSet):
    detected_after = PlausibleIsoDateTimeFilter(field_name="detected_at", lookup_expr="gte")
    detected_before = PlausibleIsoDateTimeFilter(field_name="detected_at", lookup_expr="lt")

    class Meta:
        model = Incident
        fields = ["state", "category", "kind", "plan", "grade", "is_drill"]
