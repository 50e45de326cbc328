//! Enumerations of domain.md. Each is a GraphQL enum and is stored in the
//! database as its upper-case name, which `as_str` and `parse` convert.
use async_graphql::Enum;

macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and GraphQL) name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stored name.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

stored_enum!(
    /// What kind of setting a placement is in; follows the setting's kind.
    PlacementType {
        OwnFosterHome => "OWN_FOSTER_HOME",
        AgencyFosterHome => "AGENCY_FOSTER_HOME",
        KinshipHome => "KINSHIP_HOME",
        EmergencyHome => "EMERGENCY_HOME",
        Hvb => "HVB",
        Sis => "SIS",
        SupportedHousing => "SUPPORTED_HOUSING",
    }
);

stored_enum!(
    /// The legal ground of a placement.
    LegalBasis {
        /// Voluntary, Social Services Act.
        Sol => "SOL",
        /// LVU 2 §: compulsory care because of the home environment.
        Lvu2 => "LVU_2",
        /// LVU 3 §: compulsory care because of the young person's own behaviour.
        Lvu3 => "LVU_3",
        /// LVU 6 §: immediate custody.
        Lvu6 => "LVU_6",
    }
);

stored_enum!(
    /// How a placement ended.
    EndReason {
        ReturnedHome => "RETURNED_HOME",
        CustodyTransferred => "CUSTODY_TRANSFERRED",
        MovedToOtherPlacement => "MOVED_TO_OTHER_PLACEMENT",
        AgedOut => "AGED_OUT",
        Other => "OTHER",
    }
);

stored_enum!(
    /// Kinds of intervention (insats): 24-hour care, of which placements are
    /// the parts, or open care in the child's own home (SFS 2025:400; the
    /// national register of interventions for children and young people).
    InterventionKind {
        /// Care outside the home, around the clock (placements).
        TwentyFourHour => "TWENTY_FOUR_HOUR",
        /// Parenting support (föräldrastöd).
        ParentingSupport => "PARENTING_SUPPORT",
        /// Family treatment (familjebehandling).
        FamilyTreatment => "FAMILY_TREATMENT",
        /// Network building around the child (nätverksarbete).
        NetworkBuilding => "NETWORK_BUILDING",
        /// Contact person or contact family (kontaktperson, kontaktfamilj).
        ContactPersonOrFamily => "CONTACT_PERSON_OR_FAMILY",
        /// Other open care.
        OtherOpenCare => "OTHER_OPEN_CARE",
    }
);

stored_enum!(
    /// How an intervention ended.
    InterventionEndReason {
        /// The child returned to the parents' home.
        ReturnedHome => "RETURNED_HOME",
        /// Custody was transferred to the foster parents (vårdnadsöverflyttning).
        CustodyTransferred => "CUSTODY_TRANSFERRED",
        /// The young person reached the age where the care ends.
        AgedOut => "AGED_OUT",
        /// Moved to another form of care (another intervention).
        MovedToOtherCare => "MOVED_TO_OTHER_CARE",
        Other => "OTHER",
    }
);

stored_enum!(
    /// Why a child moved to a new placement within one intervention.
    MoveReason {
        /// The child's needs changed.
        NeedsChanged => "NEEDS_CHANGED",
        /// The home or institution ended the assignment.
        HomeEnded => "HOME_ENDED",
        /// The placement broke down (sammanbrott).
        Breakdown => "BREAKDOWN",
        /// To less intensive care (from an institution to a family home).
        ToLessIntensiveCare => "TO_LESS_INTENSIVE_CARE",
        /// To a kinship or own foster home.
        ToKinshipOrOwnHome => "TO_KINSHIP_OR_OWN_HOME",
        Other => "OTHER",
    }
);

stored_enum!(
    /// Placement reason codes (reference data).
    ReasonCode {
        ConflictOrViolence => "CONFLICT_OR_VIOLENCE",
        Neglect => "NEGLECT",
        ParentalSubstanceAbuse => "PARENTAL_SUBSTANCE_ABUSE",
        ParentalMentalIllness => "PARENTAL_MENTAL_ILLNESS",
        ChildBehaviour => "CHILD_BEHAVIOUR",
        HonourRelated => "HONOUR_RELATED",
        UnaccompaniedMinor => "UNACCOMPANIED_MINOR",
        Other => "OTHER",
    }
);

stored_enum!(
    /// Categories of placement reasons.
    ReasonCategory {
        ParentalCapacity => "PARENTAL_CAPACITY",
        ChildOwnSituation => "CHILD_OWN_SITUATION",
        Other => "OTHER",
    }
);

stored_enum!(
    /// Legal sex, derived from the personal identity number.
    Sex {
        Female => "FEMALE",
        Male => "MALE",
    }
);

stored_enum!(
    /// Kinds of foster home.
    FosterHomeKind {
        /// Recruited by the municipality.
        Own => "OWN",
        /// Supported by a private agency (konsulentstött).
        Agency => "AGENCY",
        /// Kinship home (nätverkshem).
        Kinship => "KINSHIP",
        /// Emergency home (jourhem).
        Emergency => "EMERGENCY",
    }
);

stored_enum!(
    /// Kinds of institution.
    InstitutionKind {
        /// Hem för vård eller boende.
        Hvb => "HVB",
        /// Särskilt ungdomshem (state secure youth home).
        Sis => "SIS",
        /// Stödboende.
        SupportedHousing => "SUPPORTED_HOUSING",
    }
);

stored_enum!(
    /// Status of a foster home.
    FosterHomeStatus {
        Recruiting => "RECRUITING",
        UnderAssessment => "UNDER_ASSESSMENT",
        Approved => "APPROVED",
        Paused => "PAUSED",
        Closed => "CLOSED",
    }
);

impl FosterHomeKind {
    /// The placement type of a placement in a foster home of this kind.
    pub fn placement_type(self) -> PlacementType {
        match self {
            Self::Own => PlacementType::OwnFosterHome,
            Self::Agency => PlacementType::AgencyFosterHome,
            Self::Kinship => PlacementType::KinshipHome,
            Self::Emergency => PlacementType::EmergencyHome,
        }
    }
}

impl InstitutionKind {
    /// The placement type of a placement in an institution of this kind.
    pub fn placement_type(self) -> PlacementType {
        match self {
            Self::Hvb => PlacementType::Hvb,
            Self::Sis => PlacementType::Sis,
            Self::SupportedHousing => PlacementType::SupportedHousing,
        }
    }
}

impl InterventionEndReason {
    /// The end of an intervention whose last placement ended for `reason`
    /// (the carry-over of 0.1 data, migration `000014`, maps it alike).
    pub fn of_placement(reason: EndReason) -> Self {
        match reason {
            EndReason::ReturnedHome => Self::ReturnedHome,
            EndReason::CustodyTransferred => Self::CustodyTransferred,
            EndReason::AgedOut => Self::AgedOut,
            EndReason::MovedToOtherPlacement => Self::MovedToOtherCare,
            EndReason::Other => Self::Other,
        }
    }
}

/// The placement type for a stored setting kind (foster home or institution).
pub fn placement_type_of_kind(kind: &str) -> Option<PlacementType> {
    FosterHomeKind::parse(kind)
        .map(FosterHomeKind::placement_type)
        .or_else(|| InstitutionKind::parse(kind).map(InstitutionKind::placement_type))
}
