"""Every area's controllers, mounted under /api/v1 (each area adds its own here)."""

from __future__ import annotations

from typing import Any

from api.controllers.admin_audit import AdminAuditController
from api.controllers.admin_operations import AdminOperationsController
from api.controllers.admin_users import AdminUsersController
from api.controllers.appointments import AppointmentsController
from api.controllers.auth import AuthController
from api.controllers.auth_mfa import MfaController
from api.controllers.availability import AvailabilityController
from api.controllers.consultations import ConsultationsController
from api.controllers.conversations import ConversationsController
from api.controllers.doctors import DoctorsController
from api.controllers.documents import DocumentsController
from api.controllers.fhir import FhirController
from api.controllers.notifications import NotificationsController
from api.controllers.patient_records import PatientRecordsController
from api.controllers.prescriptions import PrescriptionsController
from api.controllers.profiles import ProfileController
from api.controllers.referrals import ReferralsController
from api.controllers.waitlist import WaitlistController

API_ROUTES: list[Any] = [
    AuthController,
    MfaController,
    ProfileController,
    DoctorsController,
    AvailabilityController,
    AppointmentsController,
    WaitlistController,
    ConversationsController,
    ReferralsController,
    ConsultationsController,
    PrescriptionsController,
    DocumentsController,
    PatientRecordsController,
    FhirController,
    AdminOperationsController,
    AdminUsersController,
    AdminAuditController,
    NotificationsController,
]
