"""Static geography of Beejan's footprint: regions, states, cities, neighbourhoods, coordinates.

Kept as plain data (not generated) because customers write these names in free text and the
silver enrichment joins on them; they must be real and stable across seeds.
"""

from __future__ import annotations

# Beejan runs Lagos as its own commercial region (it carries a third of the traffic).
# city -> (state, region, lat, lon, weight of the customer base, neighbourhoods)
CITIES: dict[str, tuple[str, str, float, float, float, tuple[str, ...]]] = {
    "Lagos": ("Lagos", "Lagos", 6.5244, 3.3792, 30.0, (
        "Lekki Phase 1", "Ajah", "Ikeja GRA", "Yaba", "Surulere", "Ikorodu", "Festac",
        "Oshodi", "Magodo", "Gbagada", "Sangotedo", "Victoria Island", "Apapa", "Egbeda",
        "Ojota", "Ikoyi", "Maryland", "Agege", "Isolo", "Ogba", "Ketu", "Chevron", "Ilupeju",
        "Ojodu Berger", "Alimosho", "Badagry", "Epe", "Abule Egba", "Mushin", "Ojo")),
    "Abuja": ("FCT", "North Central", 9.0765, 7.3986, 10.0, (
        "Gwarinpa", "Kubwa", "Wuse 2", "Maitama", "Garki", "Lugbe", "Jabi", "Lokogoma",
        "Karu", "Nyanya", "Asokoro", "Apo", "Life Camp", "Dutse", "Gwagwalada", "Katampe")),
    "Kano": ("Kano", "North West", 12.0022, 8.5920, 7.0, (
        "Sabon Gari", "Nassarawa GRA", "Fagge", "Tarauni", "Gwale", "Kumbotso", "Bompai",
        "Hotoro", "Dala")),
    "Kaduna": ("Kaduna", "North West", 10.5105, 7.4165, 3.5, (
        "Barnawa", "Malali", "Ungwan Rimi", "Sabon Tasha", "Kawo", "Narayi")),
    "Sokoto": ("Sokoto", "North West", 13.0059, 5.2476, 1.5, (
        "Mabera", "Runjin Sambo", "Gawon Nama", "Arkilla")),
    "Port Harcourt": ("Rivers", "South South", 4.8156, 7.0498, 7.0, (
        "GRA Phase 2", "Rumuola", "Trans Amadi", "Choba", "Rumuokoro", "Eliozu", "D-Line",
        "Rumuigbo", "Woji", "Elelenwo", "Diobu", "Ada George")),
    "Benin City": ("Edo", "South South", 6.3350, 5.6037, 3.5, (
        "Ugbowo", "GRA", "Uselu", "Ikpoba Hill", "Sapele Road", "Ekenwan")),
    "Warri": ("Delta", "South South", 5.5544, 5.7932, 2.5, (
        "Effurun", "Okumagba", "Airport Road", "Ekpan", "Enerhen")),
    "Uyo": ("Akwa Ibom", "South South", 5.0377, 7.9128, 2.0, (
        "Ewet Housing", "Shelter Afrique", "Oron Road", "Itu Road")),
    "Calabar": ("Cross River", "South South", 4.9757, 8.3417, 1.5, (
        "Marian", "Satellite Town", "Atimbo", "State Housing")),
    "Ibadan": ("Oyo", "South West", 7.3775, 3.9470, 6.0, (
        "Bodija", "Challenge", "Ring Road", "Dugbe", "Mokola", "Akobo", "Iwo Road", "Apete",
        "Moniya", "Sango", "Agodi GRA")),
    "Abeokuta": ("Ogun", "South West", 7.1475, 3.3619, 2.5, (
        "Kuto", "Panseke", "Oke Mosan", "Ibara", "Asero")),
    "Ilorin": ("Kwara", "North Central", 8.4966, 4.5421, 2.5, (
        "Tanke", "GRA", "Fate", "Taiwo", "Sango")),
    "Jos": ("Plateau", "North Central", 9.8965, 8.8583, 2.0, (
        "Rayfield", "Bukuru", "Tudun Wada", "Angwan Rukuba", "Terminus")),
    "Enugu": ("Enugu", "South East", 6.4584, 7.5464, 4.0, (
        "Independence Layout", "New Haven", "Trans Ekulu", "Abakpa", "GRA", "Emene",
        "Achara Layout", "Uwani")),
    "Onitsha": ("Anambra", "South East", 6.1413, 6.8029, 3.0, (
        "Fegge", "GRA", "Odoakpu", "Woliwo", "3-3", "Main Market")),
    "Aba": ("Abia", "South East", 5.1066, 7.3667, 2.5, (
        "Ariaria", "Ogbor Hill", "Osisioma", "Eziukwu", "Umungasi")),
    "Owerri": ("Imo", "South East", 5.4850, 7.0352, 2.0, (
        "World Bank", "Ikenegbu", "New Owerri", "Aladinma", "Irete")),
    "Maiduguri": ("Borno", "North East", 11.8311, 13.1510, 1.5, (
        "GRA", "Bulumkutu", "Old Maiduguri", "Gwange")),
    "Yola": ("Adamawa", "North East", 9.2035, 12.4954, 1.0, (
        "Jimeta", "Karewa", "Doubeli", "Bekaji")),
}

REGIONS: tuple[str, ...] = (
    "Lagos", "South West", "North Central", "North West", "North East", "South South",
    "South East",
)

# Short codes per city used in cluster/cell/site ids (how network engineers name them).
CITY_CODES: dict[str, str] = {
    "Lagos": "LAG", "Abuja": "ABJ", "Kano": "KAN", "Kaduna": "KAD", "Sokoto": "SOK",
    "Port Harcourt": "PHC", "Benin City": "BEN", "Warri": "WAR", "Uyo": "UYO",
    "Calabar": "CAL", "Ibadan": "IBA", "Abeokuta": "ABK", "Ilorin": "ILR", "Jos": "JOS",
    "Enugu": "ENU", "Onitsha": "ONI", "Aba": "ABA", "Owerri": "OWE", "Maiduguri": "MAI",
    "Yola": "YOL",
}
