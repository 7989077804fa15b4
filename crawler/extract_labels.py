"""Words and patterns that mark teaser blocks, in English, German, French and Spanish.

Kept apart from ``crawler.teasers`` so the vocabulary can grow (a new language, a
new site's label) without touching the block-finding logic.
"""

from __future__ import annotations

import re

_TAIL = r"\s+\S.{0,40}"  # "More in <section>"
_LABELS = [
    # English
    r"recent (?:posts|articles|stories|news)",
    r"latest(?: news| posts| stories| articles| headlines)?",
    r"related(?: articles| stories| posts| news| content| coverage| reading| links| topics)?",
    rf"more (?:in|from|on|about){_TAIL}",
    r"more (?:stories|news|articles|headlines|to read)",
    r"most (?:read|popular|viewed|shared|commented|recent)(?: stories| articles| news| now)?",
    r"popular(?: now| posts| stories| articles| today)?",
    r"trending(?: now| stories| news)?",
    r"read (?:more|next|also|this next)",
    r"also read|see also|further reading|don'?t miss|in other news|what to read next",
    r"you (?:may|might) (?:also )?(?:like|enjoy|be interested in|have missed)",
    r"recommended(?: for you| stories| articles| reading)?|top stories|editor'?s? picks",
    r"\w+ picks|more on this story|elsewhere on \S.{0,30}",
    # German
    r"mehr zum thema|zum thema|lesen sie (?:auch|mehr)|auch interessant|empfehlungen",
    rf"mehr (?:aus|zu|von|über|vom|zum|zur|aus der|aus dem){_TAIL}",
    r"weitere (?:artikel|nachrichten|beiträge|meldungen|themen|news)(?:\s+\S.{0,30})?",
    r"das könnte sie (?:auch )?interessieren|meist ?gelesene?(?: artikel| beiträge)?",
    r"(?:neueste|aktuelle|ähnliche|verwandte) (?:beiträge|artikel|nachrichten|themen)",
    r"top-?themen|top-?artikel",
    # French
    r"[àa] lire (?:aussi|également|egalement)|lire aussi|voir aussi|[àa] voir aussi",
    r"sur le même sujet|dans la même rubrique|[àa] découvrir(?: aussi)?",
    r"les plus (?:lus|populaires|partagés|commentés)|articles? (?:récents|similaires|liés)",
    r"derniers articles|dernières (?:actualités|nouvelles|infos)|nos articles",
    rf"plus (?:de|d'|sur|dans){_TAIL}|vous (?:aimerez|pourriez) (?:aussi|peut-être)\b.*",
    # Spanish
    r"noticias relacionadas|artículos relacionados|(?:también )?te puede interesar",
    r"lo más (?:leído|visto)|entradas recientes|últimas noticias|te recomendamos",
    rf"más (?:en|de|sobre){_TAIL}",
]
LABEL_RE = re.compile(
    r"^\s*(?:" + "|".join(_LABELS) + r")\s*[:.…»›>|\-–—]*\s*$", re.IGNORECASE | re.UNICODE
)
BLOCK_HINT_RE = re.compile(
    r"(^|[\s_-])(related|recent|latest|more-?in|more-?from|more-?stories|more-?news|more-?on"
    r"|popular|most-?read|mostread|most-?popular|most-?viewed|recommend\w*|trending"
    r"|you-?may|also-?read|read-?also|further-?reading|teasers?|weitere|meistgelesen"
    r"|lire-?aussi|a-?lire)($|[\s_-])"
)
NOT_BLOCK_RE = re.compile(r"comment|share|social|author|newsletter|cookie")
TITLE_HINT_RE = re.compile(r"title|heading|header|label|headline")
TIME_HINT_RE = re.compile(r"date|time|ago|posted|published|meta-?time|datum|fecha")
EXCERPT_HINT_RE = re.compile(r"excerpt|summary|dek|description|standfirst|intro|lead|teaser-?text")
DATE_TEXT_RE = re.compile(
    r"^\s*(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4}"
    r"|\w{3,10}\.? \d{1,2},? \d{4}|\d{1,2}\.? \w{3,10}\.? \d{4})"
    r"(?:,? \d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?)?\s*$",
    re.IGNORECASE,
)
PLACEHOLDER_HEADLINE_RE = re.compile(
    r"^(read more|more|load more|show more|continue reading|weiterlesen|mehr|lire la suite"
    r"|leer más|\d+ comments?"
    r"|next|previous|view all|see all|alle anzeigen|voir tout|ver todo)\W*$",
    re.IGNORECASE,
)
SOCIAL_HOSTS = frozenset(
    [
        "facebook.com",
        "twitter.com",
        "x.com",
        "instagram.com",
        "linkedin.com",
        "youtube.com",
        "pinterest.com",
        "plus.google.com",
        "t.me",
        "wa.me",
        "api.whatsapp.com",
        "reddit.com",
        "tiktok.com",
        "news.google.com",
        "flipboard.com",
    ]
)
