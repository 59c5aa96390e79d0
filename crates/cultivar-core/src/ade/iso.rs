//! The ISO code lists Apple's `LOCALE_INVALID` refers to. Hand-written because no crate in
//! the workspace carries them and these two small, stable tables do not justify one.

/// ISO 3166-1 alpha-2: every officially assigned country code (249).
const REGIONS: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ \
    BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ \
    EC EE EG EH ER ES ET FI FJ FK FM FO FR \
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU \
    ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ \
    LA LB LC LI LK LR LS LT LU LV LY \
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
    NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY \
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ \
    TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ \
    VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// ISO 639-1: every two-letter language code (184, including the deprecated `bh`).
const LANGUAGES_639_1: &str = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs \
    ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy \
    ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv \
    ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv \
    mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os \
    pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw \
    ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

/// An assigned ISO 3166-1 alpha-2 code, upper-case as Apple writes them (`US`).
pub(super) fn is_region(code: &str) -> bool {
    code.len() == 2 && REGIONS.split_whitespace().any(|r| r == code)
}

/// An ISO 639-1 code from the list, or an ISO 639-2 code by shape (three lower-case
/// letters: the 639-2 list is ~480 codes and Apple checks it anyway).
pub(super) fn is_language(code: &str) -> bool {
    match code.len() {
        2 => LANGUAGES_639_1.split_whitespace().any(|l| l == code),
        3 => code.bytes().all(|b| b.is_ascii_lowercase()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_lists_are_complete_and_without_repeats() {
        let regions: HashSet<_> = REGIONS.split_whitespace().collect();
        assert_eq!(regions.len(), 249, "ISO 3166-1 assigns 249 alpha-2 codes");
        assert_eq!(REGIONS.split_whitespace().count(), 249, "no repeats");
        let langs: HashSet<_> = LANGUAGES_639_1.split_whitespace().collect();
        assert_eq!(langs.len(), 184, "ISO 639-1 has 184 codes");
        assert_eq!(
            LANGUAGES_639_1.split_whitespace().count(),
            184,
            "no repeats"
        );
        assert!(regions
            .iter()
            .all(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_uppercase())));
        assert!(langs
            .iter()
            .all(|l| l.len() == 2 && l.bytes().all(|b| b.is_ascii_lowercase())));
    }

    #[test]
    fn codes_are_checked_against_the_lists() {
        for ok in ["US", "DE", "GB", "JP", "SS"] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in ["UK", "ZZ", "us", "USA", ""] {
            assert!(!is_region(bad), "{bad}");
        }
        for ok in ["en", "de", "zh", "haw", "yue"] {
            assert!(is_language(ok), "{ok}");
        }
        for bad in ["xx", "EN", "e", "english", "en-US"] {
            assert!(!is_language(bad), "{bad}");
        }
    }
}
