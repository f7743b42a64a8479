"""Enumerations of the event catalogue, drawn from the emergency plans.

Severity and levels are mapped explicitly: ``sev1``–``sev5`` is the ledger's one severity
scale; :data:`SEVERITY_LEVEL` maps it to the plans' 一般/重大 response levels and
:data:`SEVERITY_TIER` to the call centre's 一级/二级/三级支持 tiers.
"""

from __future__ import annotations

from enum import StrEnum


class IncidentKind(StrEnum):
    FIRE = "fire"
    ELEVATOR_ENTRAPMENT = "elevator_entrapment"
    PERSON_TRAPPED = "person_trapped"
    GAS_LEAK = "gas_leak"
    WATER_LEAK = "water_leak"
    POWER_OUTAGE = "power_outage"
    HVAC_FAILURE = "hvac_failure"
    EQUIPMENT_FAILURE = "equipment_failure"
    SYSTEM_OUTAGE = "system_outage"
    NETWORK_OUTAGE = "network_outage"
    CALL_SURGE = "call_surge"
    CROWD_SURGE = "crowd_surge"
    ROBBERY = "robbery"
    THEFT = "theft"
    ASSAULT_OR_DISPUTE = "assault_or_dispute"
    DISTURBANCE = "disturbance"
    SIEGE_OF_PREMISES = "siege_of_premises"
    INJURY = "injury"
    ILLNESS = "illness"
    FATALITY = "fatality"
    FOOD_POISONING = "food_poisoning"
    PUBLIC_HEALTH = "public_health"
    NATURAL_DISASTER = "natural_disaster"
    LOST_PROPERTY = "lost_property"
    VEHICLE_LOSS_OR_DAMAGE = "vehicle_loss_or_damage"
    COMPLAINT_ESCALATION = "complaint_escalation"
    MEDIA_ENQUIRY = "media_enquiry"
    DATA_BREACH = "data_breach"
    CYBER_INCIDENT = "cyber_incident"
    OTHER = "other"


class ReportChannel(StrEnum):
    """How the report reached the ledger's user (接报渠道)."""

    PHONE = "phone"
    APP = "app"
    WALK_IN = "walk_in"
    PATROL = "patrol"
    SENSOR = "sensor"
    MONITORING = "monitoring"
    MEDIA = "media"
    OTHER = "other"


class NotifyChannel(StrEnum):
    """How a notification was sent (电话、对讲机、短信、微信群、当面、广播…)."""

    PHONE = "phone"
    RADIO = "radio"
    SMS = "sms"
    EMAIL = "email"
    MESSAGING = "messaging"
    IN_PERSON = "in_person"
    BROADCAST = "broadcast"
    PORTAL = "portal"
    OTHER = "other"


class RecipientRole(StrEnum):
    TEAM_LEAD = "team_lead"
    SUPERVISOR = "supervisor"
    DUTY_MANAGER = "duty_manager"
    GENERAL_MANAGER = "general_manager"
    OPERATIONS_MANAGER = "operations_manager"
    SECURITY = "security"
    ENGINEERING = "engineering"
    VENDOR = "vendor"
    POLICE_110 = "police_110"
    FIRE_119 = "fire_119"
    AMBULANCE_120 = "ambulance_120"
    REGULATOR = "regulator"
    INSURER = "insurer"
    MEDIA = "media"
    CUSTOMER = "customer"
    FAMILY = "family"
    AUTHORITY = "authority"
    MEDICAL = "medical"
    STAFF = "staff"


class ActionCategory(StrEnum):
    EVACUATION = "evacuation"
    HEADCOUNT = "headcount"
    POWER_CUT = "power_cut"
    GAS_VALVE_CLOSED = "gas_valve_closed"
    WATER_STOPPED = "water_stopped"
    FIRE_SUPPRESSION = "fire_suppression"
    VENTILATION = "ventilation"
    FIRST_AID = "first_aid"
    SCENE_SECURED = "scene_secured"
    CORDON = "cordon"
    CCTV_PRESERVED = "cctv_preserved"
    EVIDENCE_PRESERVED = "evidence_preserved"
    MANUAL_RECORDING = "manual_recording"
    BACKUP_SEAT = "backup_seat"
    STAFF_ADDED = "staff_added"
    REASSURANCE = "reassurance"
    PUBLIC_NOTICE = "public_notice"
    CALLBACKS = "callbacks"
    ATTACK_BLOCKED = "attack_blocked"
    CASH_SECURED = "cash_secured"
    RESCUE = "rescue"
    OTHER = "other"
