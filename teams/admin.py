from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .models import Membership, Party, Person, Team, UserPreference
from .validation import team_role_errors


class MembershipInlineFormSet(forms.BaseInlineFormSet):
    """Refuse a team without its head roles, or with a role that does not fit it (as load_org does)."""

    def clean(self) -> None:
        super().clean()
        roles = [
            form.cleaned_data["role"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("role")
        ]
        errors = team_role_errors(team_code=self.instance.code, roles=roles)
        if errors:
            raise ValidationError(errors)


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipInlineFormSet
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "mailbox"]
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "employee_no", "user", "phone", "email", "line", "in_directory", "is_active"]
    list_filter = ["in_directory", "line", "rotation_group", "is_active", "memberships__team"]
    search_fields = ["name", "employee_no", "phone", "email", "user__username"]
    autocomplete_fields = ["user"]


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["kind", "person", "mailbox"]
    autocomplete_fields = ["person"]


@admin.register(UserPreference)
class UserPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "language"]
