"""Imports every model module so ``Base.metadata`` is complete.

Alembic's autogenerate, the migration tests and anything that needs the whole schema import this
module. Plugin models are added by the plugins themselves.
"""

from __future__ import annotations

from gongdan.accounts import models as accounts_models
from gongdan.audit import models as audit_models
from gongdan.automations import models as automations_models
from gongdan.channels import models as channels_models
from gongdan.customers import models as customers_models
from gongdan.db import Base
from gongdan.definitions import models as definitions_models
from gongdan.knowledge import models as knowledge_models
from gongdan.notifications import models as notifications_models
from gongdan.reports import models as reports_models
from gongdan.routing import models as routing_models
from gongdan.sla import models as sla_models
from gongdan.surveys import models as surveys_models
from gongdan.tickets import models as tickets_models

__all__ = [
    "Base",
    "accounts_models",
    "audit_models",
    "automations_models",
    "channels_models",
    "customers_models",
    "definitions_models",
    "knowledge_models",
    "notifications_models",
    "reports_models",
    "routing_models",
    "sla_models",
    "surveys_models",
    "tickets_models",
]
