from django.urls import path

from . import account_views, views

app_name = "security"
urlpatterns = [
    path("reads/", views.read_log, name="read-log"),
    path("reads.csv", views.read_log_csv, name="read-log-export"),
    path("account/", account_views.account, name="account"),
    path("account/enrol/", account_views.enrol_start, name="enrol-start"),
    path("account/enrol/confirm/", account_views.enrol_confirm, name="enrol-confirm"),
    path("account/recovery-codes/", account_views.recovery_codes_renew, name="recovery-codes"),
    path("verify/", account_views.verify, name="verify"),
]
