//! Fixed lists the demo data is drawn from. Every name, address and phone
//! number is made up; the phone numbers come from the range the Swedish Post
//! and Telecom Authority keeps for fiction (070-174 06 05 to 070-174 06 99),
//! so no real subscriber is ever shown.

/// Given names for children whose number says female.
pub(super) const GIVEN_FEMALE: &[&str] = &[
    "Alice", "Maja", "Vera", "Ella", "Alma", "Wilma", "Saga", "Elsa", "Astrid", "Selma", "Signe",
    "Freja", "Ebba", "Olivia", "Agnes", "Stella", "Klara", "Ines", "Tyra", "Leah", "Elvira",
    "Juni", "Linnea", "Hedda",
];

/// Given names for children whose number says male.
pub(super) const GIVEN_MALE: &[&str] = &[
    "Noah",
    "William",
    "Hugo",
    "Liam",
    "Lucas",
    "Oliver",
    "Elias",
    "Adam",
    "Vincent",
    "Matteo",
    "Alexander",
    "Leo",
    "Ludvig",
    "Nils",
    "Theo",
    "Axel",
    "Sixten",
    "Charlie",
    "Isak",
    "Arvid",
    "Melvin",
    "Edvin",
    "Malte",
    "Viktor",
];

/// Family names, also used for foster families.
pub(super) const FAMILY: &[&str] = &[
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Jansson",
    "Hansson",
    "Bengtsson",
    "Jönsson",
    "Lindberg",
    "Jakobsson",
    "Magnusson",
    "Lindström",
    "Olofsson",
    "Lindqvist",
    "Lindgren",
    "Berg",
    "Axelsson",
    "Bergström",
    "Lundberg",
    "Lind",
    "Lundgren",
    "Lundqvist",
    "Mattsson",
    "Berglund",
    "Fredriksson",
    "Sandberg",
    "Henriksson",
    "Ali",
    "Mohammed",
    "Hassan",
    "Nyström",
    "Holm",
];

/// Street names of the fictional town.
pub(super) const STREETS: &[&str] = &[
    "Storgatan",
    "Kyrkogatan",
    "Skolgatan",
    "Ängsvägen",
    "Björkvägen",
    "Tallstigen",
    "Järnvägsgatan",
    "Parkvägen",
    "Sjövägen",
    "Lärkvägen",
    "Bruksgatan",
    "Ringvägen",
    "Granvägen",
    "Solvägen",
    "Åkervägen",
    "Hagagatan",
];

/// Villages around the town, to tell foster homes apart by name.
pub(super) const PLACES: &[&str] = &[
    "Norrby",
    "Söderås",
    "Västerslätt",
    "Österlid",
    "Bäckadal",
    "Lillsjö",
    "Ekeby",
    "Tallmo",
    "Åsen",
    "Kvarnbo",
];

/// Private agencies that support foster homes (*konsulentstöd*).
pub(super) const AGENCIES: &[&str] = &[
    "Familjestöd Syd AB",
    "Konsulentgruppen Norr AB",
    "Trygga Hem Konsulent AB",
];

/// Residential homes (HVB): name and provider.
pub(super) const HVB: &[(&str, &str)] = &[
    ("HVB Solgläntan", "Solgläntan Omsorg AB"),
    ("HVB Björkbacken", "Björkbacken Vård AB"),
    ("HVB Fyrtornet", "Fyrtornet Ungdom AB"),
    ("HVB Ekhagen", "Ekhagen Behandling AB"),
    ("HVB Stigen", "Stigen Omsorg AB"),
    ("HVB Kompassen", "Kompassen Vård AB"),
    ("HVB Lyktan", "Lyktan Ungdomshem AB"),
    ("HVB Nybyggarna", "Nybyggarna Stiftelse"),
];

/// State secure youth homes (SiS): all run by the same state agency.
pub(super) const SIS: &[(&str, &str)] = &[
    ("SiS ungdomshem Granåsen", "Statens institutionsstyrelse"),
    ("SiS ungdomshem Stensjö", "Statens institutionsstyrelse"),
];

/// Supported housing (*stödboende*): name and provider.
pub(super) const SUPPORTED_HOUSING: &[(&str, &str)] = &[
    ("Stödboendet Ankaret", "Ankaret Stöd AB"),
    ("Stödboendet Bryggan", "Bryggan Boende AB"),
    ("Stödboendet Trappan", "Exempelstads kommun"),
];
