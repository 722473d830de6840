"""The demo site and its host page, so that a newcomer sees the product at once."""

from __future__ import annotations

from sqlalchemy import select

from ..catalogue import services as catalogue
from ..extensions import db
from ..forms import documents
from ..models import PolicyVersion, Site
from ..sites import policies, registry

DEMO_KEY = "demo"
DEMO_ORIGINS = ["http://127.0.0.1:5000", "http://localhost:5000"]
DEMO_METRIKA_COUNTER = 98765432
#: The shop's proper name, as its page and its operator's name say it: shown as it is in kk, ru
#: and en alike (the preference page's heading, the documents' header).
DEMO_NAME = "Дала шайы"
#: What earlier seeds called the demo site: an English name on kk and ru pages.
OLD_DEMO_NAME = "Demo shop"

COOKIE_POLICY = {
    "kk": {
        "title": "Cookie файлдары туралы саясат",
        "body": (
            "«Дала шайы» дүкені cookie файлдарын сайттың жұмысы үшін (міндетті), сіздің "
            "баптауларыңызды есте сақтау үшін (функционалдық) және Яндекс.Метрика арқылы сайтқа "
            "кіру статистикасын жинау үшін (аналитикалық) пайдаланады. Аналитикалық және "
            "функционалдық cookie файлдары тек сіздің келісіміңізбен орнатылады. Келісімді кез "
            "келген уақытта беттің төменгі бұрышындағы түйме арқылы кері қайтарып алуға болады."
        ),
    },
    "ru": {
        "title": "Политика использования файлов cookie",
        "body": (
            "Магазин «Дала шайы» использует файлы cookie для работы сайта (необходимые), для "
            "запоминания ваших настроек (функциональные) и для сбора статистики посещений с "
            "помощью Яндекс.Метрики (аналитические). Аналитические и функциональные файлы cookie "
            "устанавливаются только с вашего согласия. Отозвать согласие можно в любой момент "
            "кнопкой в нижнем углу страницы."
        ),
    },
    "en": {
        "title": "Cookie policy",
        "body": (
            "The Dala Shaiy shop uses cookies to run the site (essential), to remember your "
            "settings (functional) and to count visits with Yandex.Metrika (analytics). "
            "Analytics and functional cookies are set only with your consent. You can withdraw "
            "consent at any time with the button in the lower corner of the page."
        ),
    },
}


def seed(extra_origins: list[str] | tuple[str, ...] = ()) -> Site:
    """Create the demo site once; later calls add origins, and rename a demo of earlier seeds."""
    site = db.session.scalar(select(Site).where(Site.key == DEMO_KEY))
    if site is None:
        site = registry.create_site(DEMO_KEY, DEMO_NAME, DEMO_ORIGINS)
        registry.add_metrika(site, DEMO_METRIKA_COUNTER)
        from ..models import Service

        site.services.append(
            Service(
                key="video",
                name="Video player",
                category="functional",
                provider="Demo video host",
                cookies=["video_prefs"],
                storage_keys=[],
                texts=video_texts(),
            )
        )
    elif site.name == OLD_DEMO_NAME:
        site.name = DEMO_NAME  # its published documents keep the words they were published with
    wanted = set(site.origins) | {registry.normalize_origin(o) for o in extra_origins}
    if wanted != set(site.origins):
        site.origins = sorted(wanted)
    has_policy = db.session.scalar(
        select(PolicyVersion.id).where(
            PolicyVersion.site_id == site.id, PolicyVersion.kind == "cookie"
        )
    )
    if has_policy is None:
        policies.publish(policies.draft(site, COOKIE_POLICY, significant=True))
    if documents.in_force(site) is None:
        # The feedback form needs a consent document in force.
        documents.publish(site, DEMO_DOCUMENT)
    db.session.flush()
    return site


VIDEO = {
    "kk": ("Бейне ойнатқыш", "Демо бейнехостинг",
           "Беттегі бейнені көрсетеді.", "Дыбыс деңгейі сияқты ойнатқыш баптауларын сақтайды."),
    "ru": ("Видеоплеер", "Демо-видеохостинг",
           "Показывает видео на странице.", "Хранит настройки плеера, например громкость."),
    "en": ("Video player", "Demo video host",
           "Shows the video on the page.", "Keeps the player's settings, such as the volume."),
}


def video_texts() -> dict:
    """The demo video player's texts in the three languages, its cookie kept for a year."""
    lifetime = catalogue.lifetimes("1 year")
    return {
        lang: {"name": name, "provider": provider, "purpose": purpose,
               "cookies": {"video_prefs": {"purpose": cookie, "lifetime": lifetime[lang]}}}
        for lang, (name, provider, purpose, cookie) in VIDEO.items()
    }


DEMO_DOCUMENT = {
    "operator": {
        "name": {"kk": "«Дала шайы» ЖШС", "ru": "ТОО «Дала шайы»", "en": "Dala Shaiy LLP"},
        "bin": "123456789013",
        "address": {
            "kk": "Алматы қ., Абай даңғылы, 1",
            "ru": "г. Алматы, проспект Абая, 1",
            "en": "1 Abai Avenue, Almaty",
        },
        "contact": "privacy@dala-shaiy.kz",
    },
    "data": ["name", "phone", "email", "message"],
    "purposes": ["reply", "callback"],
    "term_months": 36,
    "third_parties": [],
    "cross_border": [],
    "published": False,
}
