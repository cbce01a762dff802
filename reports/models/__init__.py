from .action import CorrectiveAction
from .drill import DrillRecord
from .final_report import FinalReport
from .investigation import Investigation, ResponsiblePerson

__all__ = ["CorrectiveAction", "DrillRecord", "FinalReport", "Investigation", "ResponsiblePerson"]
