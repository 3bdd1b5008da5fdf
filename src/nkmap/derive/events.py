"""Dated milestones, each placed at a named place, worded neutrally, with its sources.

``place`` names a key of :data:`nkmap.derive.places.PLACES` or the id of a place in the
gazetteer (geodata/gazetteer.json). ``sources`` are keys of :data:`nkmap.derive.sources.CITED`
or of the gazetteer's sources.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    key: str
    date: str
    title: str
    description: str
    place: str
    sources: tuple[str, ...]
    status: str = "solid"  # solid | disputed | unsure, as the fact sheet grades the sources
    note: str = ""  # where sources disagree: what each says
    location_note: str = ""
    cite_place: bool = False  # also cite the sources of the place's gazetteer entry of the date


EVENTS: tuple[Event, ...] = (
    Event(
        "nkao-created",
        "1923-07-07",
        "Autonomous oblast created",
        "A decree of the Azerbaijan Central Executive Committee creates the autonomous oblast of "
        "Nagorno-Karabakh within the Azerbaijan SSR, with its centre at Khankendi, renamed "
        "Stepanakert in 1923.",
        "stepanakert",
        ("nkao_decree", "nkao_wp"),
        note="One Azerbaijani-side analysis refers to committee minutes dated 5 July 1923.",
    ),
    Event(
        "nkao-abolished",
        "1991-11-26",
        "Oblast abolished by Azerbaijan",
        "Azerbaijan's parliament abolishes the autonomous oblast and divides its territory among "
        "Azerbaijani rayons. The Nagorno-Karabakh Republic, proclaimed on 2 September 1991, does "
        "not recognise the decision.",
        "stepanakert",
        ("nkao_abolition",),
        note="An Armenian encyclopedia cites 23 November 1991 for a Baku resolution.",
    ),
    Event(
        "khojaly-1992",
        "1992-02-26",
        "Khojaly taken by Armenian forces",
        "Armenian forces take Khojaly, the site of the oblast's only airport, on the night of "
        "25-26 February 1992, with the CIS 366th regiment reported present. Many Azerbaijani "
        "civilians fleeing the town are killed (the Khojaly massacre).",
        "ivanyan",
        (),
        cite_place=True,
    ),
    Event(
        "shusha-1992",
        "1992-05-09",
        "Shusha/Shushi taken by Armenian forces",
        "Armenian forces take Shusha/Shushi on the evening of 8 May 1992; fighting ends on 9 May.",
        "shusha",
        ("shusha_1992",),
    ),
    Event(
        "lachin-1992",
        "1992-05-18",
        "Lachin/Berdzor taken by Armenian forces",
        "Armenian forces take Lachin/Berdzor, opening a land link between Nagorno-Karabakh and "
        "Armenia.",
        "lachin",
        ("lachin_1992", "lachin_1992_az"),
        status="disputed",
        note="18 May is the usual date; an Azerbaijani outlet dates the operation to the night of "
        "16-17 May, an older Wikipedia revision to 15 May.",
    ),
    Event(
        "shahumyan-1992",
        "1992-06-13",
        "Shahumyan district taken by Azerbaijani forces",
        "In Operation Goranboy, launched on 12-13 June 1992, Azerbaijani forces take the "
        "Shahumyan district north of the oblast, held by Armenian forces until then.",
        "shahumyan",
        ("goranboy",),
        cite_place=True,
    ),
    Event(
        "martakert-1992",
        "1992-07-04",
        "Martakert/Aghdara taken by Azerbaijani forces",
        "During Operation Goranboy, launched on 12 June 1992, Azerbaijani forces take the "
        "Shahumyan district and much of the Martakert district, including Martakert/Aghdara.",
        "martakert",
        ("goranboy", "martakert_wp"),
    ),
    Event(
        "kalbajar-1993",
        "1993-04-03",
        "Kalbajar/Karvachar taken by Armenian forces",
        "After an offensive from 27 March, Armenian forces take Kalbajar/Karvachar and its "
        "district, between the oblast and Armenia.",
        "kalbajar",
        ("kalbajar_1993", "kalbajar_1993_az"),
        status="disputed",
        note="The town fell on 3 April per English Wikipedia, 2 April per Azerbaijani official "
        "sources, 4 April per Italian Wikipedia.",
    ),
    Event(
        "aghdam-1993",
        "1993-07-23",
        "Aghdam/Akna taken by Armenian forces",
        "After an offensive from 12 June, Armenian forces take Aghdam/Akna and most of its "
        "district.",
        "aghdam",
        ("aghdam_1993",),
    ),
    Event(
        "martakert-1993",
        "1993-06-27",
        "Martakert/Aghdara retaken by Armenian forces",
        "Armenian forces retake Martakert/Aghdara and the north of the district, held by "
        "Azerbaijani forces since July 1992.",
        "martakert",
        ("martakert_1993a", "martakert_1993b"),
        status="disputed",
        note="27 or 28 June 1993 per a compilation based on New York Times reports and the "
        "gazetteer's sources; German Wikipedia gives 27 July 1993. The map uses 27 June, before "
        "the fall of Aghdam on 23 July.",
    ),
    Event(
        "fuzuli-jabrayil-1993",
        "1993-08-23",
        "Fuzuli/Varanda and Jabrayil taken by Armenian forces",
        "Armenian forces take Fuzuli/Varanda with 51 villages and the Jabrayil district.",
        "fuzuli",
        ("fuzuli_jabrayil_1993",),
    ),
    Event(
        "qubadli-1993",
        "1993-08-31",
        "Qubadli/Kashunik taken by Armenian forces",
        "After a siege of about eight days, Armenian forces take Qubadli/Kashunik.",
        "qubadli",
        ("qubadli_1993",),
    ),
    Event(
        "zangilan-1993",
        "1993-10-29",
        "Zangilan/Kovsakan taken by Armenian forces",
        "After fighting from 25 October, Armenian forces complete the capture of "
        "Zangilan/Kovsakan; many residents flee across the Aras into Iran.",
        "zangilan",
        ("zangilan_1993",),
        status="disputed",
        note="29 October is the usual date; Azernews gives 28-29 October, one Azerbaijani site 30 "
        "October.",
    ),
    Event(
        "horadiz-1993",
        "1993-10-24",
        "Horadiz taken by Armenian forces",
        "Armenian forces take Horadiz in the Fuzuli district, on the railway along the Araks.",
        "horadiz",
        (),
        cite_place=True,
    ),
    Event(
        "horadiz-1994",
        "1994-01-05",
        "Horadiz retaken by Azerbaijani forces",
        "In their winter offensive Azerbaijani forces retake Horadiz and 22 settlements of the "
        "Fuzuli district on 5-6 January 1994.",
        "horadiz",
        (),
        note="Sources give 5 or 6 January (the night of 5-6 January); the map uses 5 January.",
        cite_place=True,
    ),
    Event(
        "lala-tepe-1994",
        "1994-02-12",
        "Lala Tepe height taken by Armenian forces",
        "After fighting on 11-12 February 1994 Armenian forces take the Lala Tepe (Varazatumb) "
        "height in the Jabrayil district.",
        "lala-tepe",
        (),
        cite_place=True,
    ),
    Event(
        "north-east-martakert-1994",
        "1994-04-10",
        "Madaghis and Talish taken by Armenian forces",
        "Armenian forces take Madaghis/Sugovushan (10 April) and Talish (11 April) in the "
        "north-east of the former Martakert district, held by Azerbaijani forces since 1992.",
        "madaghis",
        (),
        cite_place=True,
    ),
    Event(
        "ceasefire-1994",
        "1994-05-12",
        "Ceasefire of May 1994",
        "The ceasefire agreed after the Bishkek Protocol of 5 May, signed by the defence "
        "ministers on 9-11 May, takes effect. The line of contact stays almost unchanged until "
        "2020.",
        "stepanakert",
        ("ceasefire_1994", "bishkek"),
        note="English Wikipedia dates the Bishkek Protocol itself to 12 May; the protocol is of 5 "
        "May and the ceasefire took effect on 12 May.",
    ),
    Event(
        "four-day-war",
        "2016-04-01",
        "Four-day war of April 2016",
        "Fighting from 1 to 5 April moves the line of contact for the first time since 1994: "
        "Azerbaijani forces take the Lala Tepe height and heights near Talish.",
        "lala-tepe",
        ("four_day_war",),
        status="disputed",
        note="Land changing hands: 20 km2 per Baku, about 8 km2 per Armenian officials. The map "
        "shows the Lala Tepe height changing hands; the heights near Talish are not drawn.",
        location_note="Placed at the Lala Tepe height; the Talish heights are in the north.",
    ),
    Event(
        "war-2020",
        "2020-09-27",
        "Second war begins",
        "Fighting begins along the whole line of contact; on the first day Azerbaijan reports "
        "taking villages in the Fuzuli and Jabrayil districts.",
        "fuzuli",
        ("war_2020_start",),
    ),
    Event(
        "talish-2020",
        "2020-10-03",
        "Madaghis and Talish taken by Azerbaijani forces",
        "Azerbaijan announces that its forces have taken Madaghis/Sugovushan and Talish in the "
        "north of the former Martakert district; they stay under Azerbaijani control after the "
        "ceasefire.",
        "talish",
        (),
        cite_place=True,
    ),
    Event(
        "jabrayil-2020",
        "2020-10-09",
        "Jabrayil taken by Azerbaijani forces",
        "The Azerbaijani Ministry of Defence publishes footage from Jabrayil town.",
        "jabrayil",
        ("jabrayil_2020",),
        status="disputed",
        note="President Aliyev announced the capture on 4 October; the Ministry of Defence "
        "footage is from 9 October. The map changes on 9 October.",
    ),
    Event(
        "hadrut-2020",
        "2020-10-15",
        "Hadrut taken by Azerbaijani forces",
        "Third-party sources place Hadrut under Azerbaijani control by 14-15 October.",
        "hadrut",
        ("hadrut_2020", "hadrut_2020_denial"),
        status="disputed",
        note="Azerbaijan announced the capture on 9 October; the Armenian side denied it on 9-12 "
        "October. The map changes on 15 October.",
    ),
    Event(
        "fuzuli-2020",
        "2020-10-17",
        "Fuzuli taken by Azerbaijani forces",
        "Azerbaijan announces the capture of Fuzuli town and seven villages.",
        "fuzuli",
        ("fuzuli_2020",),
    ),
    Event(
        "zangilan-2020",
        "2020-10-20",
        "Zangilan taken by Azerbaijani forces",
        "After an operation from 18 October, Azerbaijan announces the capture of Zangilan town; "
        "the border with Iran along the Aras is under Azerbaijani control again.",
        "zangilan",
        ("zangilan_2020",),
    ),
    Event(
        "qubadli-2020",
        "2020-10-25",
        "Qubadli taken by Azerbaijani forces",
        "Azerbaijan announces the capture of Qubadli town; the Armenian Ministry of Defence "
        "confirms it on 26 October.",
        "qubadli",
        ("qubadli_2020",),
        note="One outlet dates the announcement to 26 October.",
    ),
    Event(
        "shusha-2020",
        "2020-11-09",
        "Shusha/Shushi taken by Azerbaijani forces",
        "Azerbaijan announces the capture of Shusha/Shushi on 8 November; on 9 November the "
        "Artsakh spokesman says the town is out of their control.",
        "shusha",
        ("shusha_2020", "shusha_2020_confirmed"),
        note="Announced on 8 November, confirmed by the Armenian side on 9 November; the map "
        "changes on 9 November.",
    ),
    Event(
        "statement-2020",
        "2020-11-10",
        "Ceasefire statement of 10 November 2020",
        "A statement by the leaders of Azerbaijan, Armenia and Russia takes effect at 00:00 "
        "Moscow time: the sides stop where they stand; the Aghdam, Kalbajar and Lachin districts "
        "are to be handed over; 1,960 Russian peacekeepers deploy along the line of contact and a "
        "5 km wide Lachin corridor that bypasses Shusha.",
        "stepanakert",
        ("statement_2020", "statement_2020_mfa"),
        note="Russian sources date the statement 9 November (it took effect at 21:00 GMT on 9 "
        "November).",
    ),
    Event(
        "aghdam-2020",
        "2020-11-20",
        "Aghdam district handed over",
        "Under the statement, Armenian forces leave the Aghdam district and Azerbaijani troops "
        "enter.",
        "aghdam",
        ("aghdam_2020",),
    ),
    Event(
        "kalbajar-2020",
        "2020-11-25",
        "Kalbajar district handed over",
        "After a ten-day postponement from 15 November, Azerbaijani troops enter the Kalbajar "
        "district; the northern road to Armenia closes. The area of the Dadivank/Khudavang "
        "monastery passes to Azerbaijan with the district; Russian peacekeepers keep a post at "
        "the monastery.",
        "kalbajar",
        ("kalbajar_2020", "kalbajar_2020_aj"),
    ),
    Event(
        "lachin-2020",
        "2020-12-01",
        "Lachin district handed over",
        "Azerbaijani troops enter the Lachin district except the corridor: Lachin/Berdzor town, "
        "Zabukh/Aghavno and Sus/Nerkin Sus stay with the Russian peacekeepers.",
        "lachin",
        ("lachin_2020",),
    ),
    Event(
        "hin-tagher-2020",
        "2020-12-12",
        "Hin Tagher and Khtsaberd taken by Azerbaijani forces",
        "Azerbaijani forces take the villages of Hin Tagher (Köhnə Taghlar) and Khtsaberd "
        "(Chaylaggala) in the Hadrut area after an attack on 11-12 December; Russia records the "
        "first breach of the ceasefire.",
        "hin-tagher",
        ("hin_tagher", "hin_tagher_jam"),
        note="Azerbaijani forces took Hin Tagher on 12 December; Russian peacekeepers took it "
        "under control on 13 December, and Khtsaberd is dated 13 December.",
    ),
    Event(
        "parukh-2022",
        "2022-03-24",
        "Parukh/Farukh incident",
        "Azerbaijani troops enter Parukh/Farukh in the peacekeepers' zone; the Karaglukh height "
        "is contested.",
        "parukh",
        ("parukh",),
        status="disputed",
        note="Russia says the troops withdrew on 27 March; Baku disputes Russia's account, and "
        "some slope positions were reportedly kept. The map shows Parukh under Azerbaijani "
        "control from 24 March 2022, as the gazetteer's history of the village says.",
    ),
    Event(
        "lachin-2022",
        "2022-08-26",
        "Lachin town, Zabukh and Sus handed over",
        "Lachin/Berdzor, Zabukh/Aghavno and Sus/Nerkin Sus pass to the Azerbaijani army; the "
        "corridor moves to a new road bypassing them, in use from about 30 August.",
        "lachin",
        ("lachin_2022", "lachin_2022_vk", "lachin_corridor"),
        note="Baku had set 25 August as the deadline; Artsakh-side sources give 25-26 August.",
    ),
    Event(
        "blockade-2022",
        "2022-12-12",
        "Lachin road blocked",
        "People describing themselves as Azerbaijani environmental activists block the Lachin "
        "road at the junction below Shusha; about 120,000 people are affected. The road stays "
        "closed until September 2023.",
        "shusha-junction",
        ("blockade", "blockade_point"),
    ),
    Event(
        "hakari-2023",
        "2023-04-23",
        "Checkpoint at the Hakari bridge",
        "Azerbaijan sets up a checkpoint at the Hakari bridge, at the Armenian-border end of the "
        "corridor; Armenia calls it a breach of the 2020 statement.",
        "kornidzor",
        ("hakari",),
        location_note="Placed at Kornidzor, the Armenian village at the bridge: no published "
        "coordinate of the bridge itself was found.",
    ),
    Event(
        "offensive-2023",
        "2023-09-19",
        "Azerbaijani offensive",
        'Azerbaijan begins what it calls "local anti-terrorist measures" across the remaining '
        "Armenian-held area.",
        "stepanakert",
        ("offensive_2023",),
    ),
    Event(
        "ceasefire-2023",
        "2023-09-20",
        "Ceasefire of 20 September 2023",
        "A ceasefire brokered by the Russian peacekeeping command takes effect at 13:00 local "
        "time: the Nagorno-Karabakh forces are to disband and disarm. The whole area passes "
        "under Azerbaijani control.",
        "stepanakert",
        ("ceasefire_2023", "offensive_2023"),
    ),
    Event(
        "exodus-2023",
        "2023-09-24",
        "Exodus of the Armenian population",
        "The first refugees reach Kornidzor in Armenia through the corridor; by 30 September "
        "more than 100,000 people have left, and 101,848 are registered by 20 October.",
        "kornidzor",
        ("exodus_start", "exodus_count", "exodus_registered"),
    ),
    Event(
        "dissolution-2023",
        "2023-09-28",
        "Decree dissolving the Nagorno-Karabakh Republic",
        "The republic's president signs a decree dissolving all its state institutions by 1 "
        "January 2024.",
        "stepanakert",
        ("dissolution", "dissolution_annulled"),
        status="disputed",
        note="In December 2023 the leadership in exile said the decree had been annulled on 19 "
        "October 2023; this has no territorial effect.",
    ),
    Event(
        "dissolution-effective-2024",
        "2024-01-01",
        "Dissolution decree takes effect",
        "The date set by the decree of 28 September 2023 for the dissolution of the republic's "
        "institutions.",
        "stepanakert",
        ("dissolution",),
    ),
    Event(
        "peacekeepers-leave-2024",
        "2024-04-17",
        "Peacekeepers begin to leave",
        "Russia confirms that its peacekeepers have begun leaving; the mandate would otherwise "
        "have run to November 2025.",
        "stepanakert",
        ("peacekeepers_leave",),
        note="The departure began around 10 April; it was confirmed on 17 April.",
    ),
    Event(
        "peacekeepers-left-2024",
        "2024-06-12",
        "Peacekeepers' withdrawal complete",
        "The Azerbaijani Ministry of Defence says all peacekeeping personnel and equipment have "
        "left.",
        "stepanakert",
        ("peacekeepers_left",),
    ),
)
