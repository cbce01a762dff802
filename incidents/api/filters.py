import django_filters

from incidents.models import Incident


class IncidentFilter(django_filters.FilterSet):
    detected_after = django_filters.IsoDateTimeFilter(field_name="detected_at", lookup_expr="gte")
    detected_before = django_filters.IsoDateTimeFilter(field_name="detected_at", lookup_expr="lt")

    class Meta:
        model = Incident
        fields = ["state", "category", "plan", "grade", "is_drill"]
