"""Where the project's files are; everything else takes paths from here."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = ROOT / "settings.yml"
TEXTS_DIR = ROOT / "texts"
KNOWLEDGE_DIR = ROOT / "knowledge"
DATA_DIR = ROOT / "data"
NLU_DIR = DATA_DIR / "nlu"
HELDOUT_DIR = ROOT / "heldout" / "nlu"
MODELS_DIR = ROOT / "models"
VAR_DIR = ROOT / "var"
RASA_CONFIG = ROOT / "config.yml"
DOMAIN_FILE = ROOT / "domain.yml"
ENDPOINTS_FILE = ROOT / "endpoints.yml"
CREDENTIALS_FILE = ROOT / "credentials.yml"
# The canonical topic list lives outside the project (see DESIGN.md).
SHARED_TOPICS_FILE = ROOT.parent / "shared" / "faq_topics.yml"
