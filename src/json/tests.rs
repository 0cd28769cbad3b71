use proptest::prelude::*;

use super::*;

/// The same tree as serde_json's, for comparing the two readers.
fn to_serde(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(Number::PosInt(n)) => serde_json::Value::from(*n),
        Value::Number(Number::NegInt(n)) => serde_json::Value::from(*n),
        Value::Number(Number::Float(x)) => serde_json::Value::from(*x),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Array(values) => serde_json::Value::Array(values.iter().map(to_serde).collect()),
        Value::Object(object) => serde_json::Value::Object(
            object
                .iter()
                .map(|(k, v)| (k.clone(), to_serde(v)))
                .collect(),
        ),
    }
}

/// Equal, except that floats may differ by two units in the last place (the test build's
/// serde_json reads floats exactly; this reader rounds twice beyond the exact cases).
fn same(ours: &serde_json::Value, theirs: &serde_json::Value) -> bool {
    use serde_json::Value as S;
    match (ours, theirs) {
        (S::Number(a), S::Number(b)) if a.is_f64() && b.is_f64() => {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            a == b || (a.to_bits() as i64 - b.to_bits() as i64).abs() <= 2
        }
        (S::Array(a), S::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (S::Object(a), S::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => ours == theirs,
    }
}

fn serde_tree() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |x| x.is_finite())
            .prop_map(serde_json::Value::from),
        (-1e6f64..1e6).prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
        "[a-z\"\\\\/\\n\\t\\u{1}\\u{7f}é😀]{0,6}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-e\"é]{0,3}", inner, 0..6)
                .prop_map(|m| { serde_json::Value::Object(m.into_iter().collect()) }),
        ]
    })
}

/// Texts near JSON: valid ones cut, spliced or with a byte changed.
fn near_json() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "\\",
        "\\u",
        "\\ud800",
        "\\udc00",
        "d83d",
        "0",
        "-",
        "1",
        "01",
        "1.",
        ".5",
        "e",
        "E+",
        "1e400",
        "1e-400",
        "-0",
        "true",
        "tru",
        "null",
        "nul",
        " ",
        "\n",
        "\t",
        "\u{1}",
        "é",
        "\"a\"",
        "18446744073709551616",
        "-9223372036854775809",
    ]);
    prop::collection::vec(pieces, 0..12).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn reads_what_serde_json_writes_as_serde_json_reads_it(tree in serde_tree(), pretty: bool) {
        let text = if pretty {
            serde_json::to_string_pretty(&tree).unwrap()
        } else {
            serde_json::to_string(&tree).unwrap()
        };
        let ours = parse(&text).unwrap();
        let theirs: serde_json::Value = serde_json::from_str(&text).unwrap();
        prop_assert!(same(&to_serde(&ours), &theirs), "{text}");
        // Written back, it reads as the same tree (floats to within their reading).
        let again = parse(&ours.to_string()).unwrap();
        prop_assert!(same(&to_serde(&again), &to_serde(&ours)), "{text}");
    }

    #[test]
    fn accepts_and_refuses_what_serde_json_does(text in near_json()) {
        let ours = parse(&text);
        let theirs = serde_json::from_str::<serde_json::Value>(&text);
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => prop_assert!(same(&to_serde(a), b), "{text:?}"),
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false, "{text:?}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }

    #[test]
    fn short_decimals_read_exactly(
        mantissa in -999_999_999_999_999i64..=999_999_999_999_999,
        exp in -22i32..=22,
    ) {
        let text = format!("{mantissa}e{exp}");
        let exact: f64 = text.parse().unwrap();
        prop_assert_eq!(parse(&text).unwrap().as_f64().unwrap(), exact);
    }

    /// Any finite f64 zmij wrote reads back bit for bit, negative values and values in
    /// arrays too; so does Rust's shortest `{}` / `{:e}` in any notation wherever it chose
    /// zmij's digits, and within two units in the last place where it broke a tie between
    /// two equally near shortest forms the other way.
    #[test]
    fn shortest_digits_read_back_to_the_same_double(bits: u64, scale in -330i32..=310) {
        let x = f64::from_bits(bits);
        // Random bits are mostly huge or tiny: also try a value of ordinary size.
        let ordinary = (x.abs() % 1.0 + 1.0).copysign(x) * 10f64.powi(scale);
        for x in [x, ordinary].into_iter().filter(|x| x.is_finite()) {
            let zmij = zmij::Buffer::new().format_finite(x).to_string();
            let form = |text: &str| shortest_form_of(text.to_lowercase().trim_start_matches('-'));
            for text in [zmij.clone(), format!("{x}"), format!("{x:e}"), format!("{x:E}")] {
                let read = parse_round_trip(&text).unwrap().as_f64().unwrap();
                if form(&text) == form(&zmij) {
                    prop_assert_eq!(read.to_bits(), x.to_bits(), "{}", text);
                } else {
                    prop_assert!(read.to_bits().abs_diff(x.to_bits()) <= 2, "{}", text);
                }
                let read = parse_round_trip(&format!("[{text}]")).unwrap();
                let read = read.as_array().unwrap()[0].as_f64().unwrap();
                prop_assert_eq!(read, parse_round_trip(&text).unwrap().as_f64().unwrap());
            }
        }
    }

    /// Any decimal reads within two units in the last place of its correctly rounded
    /// value, and where the round-trip reading differs from `parse`'s it is that value.
    #[test]
    fn other_floats_read_no_worse_than_parse_reads_them(
        digits in "[0-9]{1,25}",
        point in 0usize..25,
        exp in -330i32..=300,
    ) {
        let point = point.min(digits.len());
        let whole = if point == 0 { "0" } else { &digits[..point] };
        let fraction = if point == digits.len() { "0" } else { &digits[point..] };
        let text = format!("{}.{fraction}e{exp}", whole.trim_start_matches('0').max("0"));
        let (Ok(ours), Ok(plain)) = (parse_round_trip(&text), parse(&text)) else {
            return Ok(());
        };
        let (ours, plain) = (ours.as_f64().unwrap(), plain.as_f64().unwrap());
        let exact: f64 = text.parse().unwrap();
        prop_assert!(ours.to_bits().abs_diff(exact.to_bits()) <= 2, "{}: {} vs {}", text, ours, exact);
        if ours != plain {
            prop_assert_eq!(ours.to_bits(), exact.to_bits(), "{}", text);
        }
    }
}

#[test]
fn round_trip_reading_keeps_what_parse_reads_otherwise() {
    for text in [
        "0",
        "-0",
        "0.0",
        "1",
        "-17",
        "1e400",
        "1e-400",
        "0.1",
        "[1.5, {\"a\": 2e3}]",
    ] {
        let (a, b) = (parse_round_trip(text), parse(text));
        assert_eq!(a, b, "{text}");
    }
    assert_eq!(
        parse_round_trip("0.30000000000000004").unwrap().as_f64(),
        Some(0.1 + 0.2)
    );
    // 17 digits that are not 0.1's shortest form, but round to it.
    assert_eq!(
        parse_round_trip("0.10000000000000001").unwrap().as_f64(),
        Some(0.1)
    );
    assert!(parse_round_trip("1.5e").is_err());
}

#[test]
fn integers_stay_integers_in_range() {
    assert_eq!(parse("0").unwrap(), Value::Number(Number::PosInt(0)));
    let max = parse("18446744073709551615").unwrap();
    assert_eq!(max.as_u64(), Some(u64::MAX));
    let min = parse("-9223372036854775808").unwrap();
    assert_eq!(min.as_i64(), Some(i64::MIN));
    assert!(matches!(
        parse("18446744073709551616").unwrap(),
        Value::Number(Number::Float(_))
    ));
    assert!(matches!(parse("-0").unwrap(), Value::Number(Number::Float(x)) if x == 0.0));
    assert!(matches!(parse("1.0").unwrap(), Value::Number(n) if n.is_f64()));
}

#[test]
fn later_keys_win_and_keys_come_sorted() {
    let value = parse(r#"{"b": 1, "a": 2, "b": 3}"#).unwrap();
    let object = value.as_object().unwrap();
    assert_eq!(object.keys().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(value.get("b").and_then(Value::as_u64), Some(3));
}

#[test]
fn errors_say_what_and_where() {
    let message = |text: &str| parse(text).unwrap_err().to_string();
    assert_eq!(
        message("{\n  \"a\": ]"),
        "expected value at line 2 column 8"
    );
    assert_eq!(
        message("[1, 2"),
        "EOF while parsing a list at line 1 column 6"
    );
    assert_eq!(message("{\"a\" 1}"), "expected `:` at line 1 column 6");
    assert_eq!(message("{1: 2}"), "key must be a string at line 1 column 2");
    assert_eq!(message("1 2"), "trailing characters at line 1 column 3");
    assert_eq!(message("1e999"), "number out of range at line 1 column 6");
    assert!(message("\"\\x\"").starts_with("invalid escape"));
}

#[test]
fn nesting_stops_where_serde_jsons_does() {
    for depth in [126, 127, 128, 129, 5000] {
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert_eq!(
            parse(&text).is_ok(),
            serde_json::from_str::<serde_json::Value>(&text).is_ok(),
            "depth {depth}"
        );
    }
    let deep = "[".repeat(100_000);
    assert!(parse(&deep)
        .unwrap_err()
        .to_string()
        .starts_with("recursion limit exceeded"));
}

#[test]
fn strings_read_their_escapes() {
    let value = parse(r#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00""#).unwrap();
    assert_eq!(value.as_str(), Some("a\"b\\c/d\u{8}\u{c}\n\r\té😀"));
    for bad in [
        r#""\ud83d""#,
        r#""\ude00""#,
        r#""\ud83d\u0041""#,
        "\"\u{1}\"",
    ] {
        assert!(parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn written_text_is_compact_and_escaped() {
    let value = parse("{\"k\": [\"a\\u0001\\\"\", 1.5, -2, null, true]}").unwrap();
    assert_eq!(value.to_string(), r#"{"k":["a\u0001\"",1.5,-2,null,true]}"#);
}

#[test]
fn many_keys_in_any_order_read_sorted_with_the_last_kept() {
    // Descending order, each key twice: the case in-place insertion made quadratic.
    let n = 100_000;
    let mut text = String::from("{");
    for pass in 0..2 {
        for i in (0..n).rev() {
            if text.len() > 1 {
                text.push(',');
            }
            text.push_str(&format!("\"k{i:06}\":{pass}"));
        }
    }
    text.push('}');
    let value = parse(&text).unwrap();
    let object = value.as_object().unwrap();
    assert_eq!(object.len(), n);
    assert!(object.keys().zip(object.keys().skip(1)).all(|(a, b)| a < b));
    assert!(object.iter().all(|(_, v)| v.as_u64() == Some(1)));
}
