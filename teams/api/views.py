"""People for API clients (issue 14): the ids an API client needs to name an on-scene commander,
investigators, a responsible person, or an employee on the roster and the roll call. Scoped like the
incidents; no contact details (phone, e-mail, employee number) for any role. Staff-directory employees are
listed too — the roster, the roll call and the second line need their ids — marked ``in_organisation: false``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from teams import selectors
from teams.models import Membership, Party, Person, Team


class MembershipOutSerializer(serializers.Serializer):
    team = serializers.CharField(source="team.code")
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class PersonSerializer(serializers.ModelSerializer):
    teams = MembershipOutSerializer(source="memberships", many=True, read_only=True)
    parties = serializers.SerializerMethodField()
    has_login = serializers.SerializerMethodField()
    in_organisation = serializers.SerializerMethodField(
        help_text="in the emergency organisation: a team member, or a co-approving or notified party"
    )

    class Meta:
        model = Person
        fields = ["id", "name", "line", "teams", "parties", "in_organisation", "in_directory", "has_login"]
        read_only_fields = fields

    def get_parties(self, person: Person) -> list[str]:
        return [party.kind for party in person.parties.all()]

    def get_in_organisation(self, person: Person) -> bool:
        return bool(person.memberships.all()) or bool(person.parties.all())

    def get_has_login(self, person: Person) -> bool:
        return person.user_id is not None


ROLE_CHOICES = [*Membership.Role.values, *Party.Kind.values]
BOOLEANS = {"true": True, "false": False}


@extend_schema(
    parameters=[
        OpenApiParameter("search", str, description="part of the name"),
        OpenApiParameter("team", str, enum=list(Team.Code.values), description="team code"),
        OpenApiParameter("role", str, enum=ROLE_CHOICES, description="role in a team, or a party kind"),
        OpenApiParameter(
            "in_organisation",
            bool,
            description="true: the emergency organisation only; false: everyone else (the staff directory)",
        ),
    ]
)
class PeopleView(generics.ListAPIView):
    """Active people — the emergency organisation and the staff directory — searchable by name, team, role."""

    serializer_class = PersonSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Person]:
        if getattr(self, "swagger_fake_view", False):
            return Person.objects.none()
        params = self.request.query_params
        team = params.get("team", "")
        role = params.get("role", "")
        in_organisation = params.get("in_organisation", "")
        errors = {}
        if team and team not in Team.Code.values:
            errors["team"] = [_("没有这个小组代码。")]
        if role and role not in ROLE_CHOICES:
            errors["role"] = [_("没有这个角色。")]
        if in_organisation and in_organisation not in BOOLEANS:
            errors["in_organisation"] = [_("须为 true 或 false。")]
        try:  # PostgreSQL can neither store nor compare a NUL: it was a 500 (issue 14's every-role fuzz run)
            ProhibitNullCharactersValidator()(params.get("search", ""))
        except DjangoValidationError as error:
            errors["search"] = error.messages
        if errors:
            raise serializers.ValidationError(errors)
        return selectors.people_for(
            user=self.request.user,
            search=params.get("search", "")[:100],
            team=team,
            role=role,
            in_organisation=BOOLEANS.get(in_organisation),
        )
