use std::fmt::Debug;

use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::*;
use crate::dto;
use shopwindow_testkit::as_page_json as ours;

/// What a JSON value is meant to be, for the generator below. Written from the types'
/// declarations (`dto.rs`), not from the reader's tables, so that a field the reader
/// forgot or misnamed shows up as a disagreement with the derive.
#[derive(Clone, Debug)]
enum Shape {
    Str,
    Num,
    UInt,
    Bool,
    Enum(&'static [&'static str]),
    List(Box<Shape>),
    /// Fields: name, shape, whether the type requires it.
    Obj(Vec<(&'static str, Shape, bool)>),
}

use Shape::*;

fn list(shape: Shape) -> Shape {
    List(Box::new(shape))
}

fn optional(fields: &[(&'static str, Shape)]) -> Shape {
    Obj(fields.iter().map(|(n, s)| (*n, s.clone(), false)).collect())
}

fn event() -> Shape {
    Obj(vec![
        ("itemId", Str, true),
        ("type", Enum(&["view", "cart", "purchase"]), true),
        ("timestamp", Num, false),
    ])
}

fn filters() -> Shape {
    optional(&[
        ("categories", list(Str)),
        ("priceMin", Num),
        ("priceMax", Num),
        ("availableOnly", Bool),
    ])
}

fn weights() -> Shape {
    optional(&[("view", Num), ("cart", Num), ("purchase", Num)])
}

fn rules() -> Shape {
    let mut boost = vec![
        ("categories", list(Str), false),
        ("priceMin", Num, false),
        ("priceMax", Num, false),
        ("tags", list(Str), false),
        ("ids", list(Str), false),
    ];
    boost.push(("add", Num, true));
    let pin = Obj(vec![("id", Str, true), ("position", UInt, true)]);
    optional(&[
        ("boosts", list(Obj(boost))),
        ("pins", list(pin)),
        ("neverShow", list(Str)),
        ("neverShowCategories", list(Str)),
        ("hideBoughtDays", Num),
    ])
}

fn fresh() -> Shape {
    Obj(vec![("share", Num, true)])
}

fn recommend() -> Shape {
    optional(&[
        ("k", UInt),
        ("filters", filters()),
        ("exclude", list(Str)),
        ("excludeHistory", Enum(&["all", "purchased", "none"])),
        ("diversity", Num),
        ("probabilities", Bool),
        ("contextCategory", Str),
        ("eventWeights", weights()),
        ("halfLifeDays", Num),
        ("now", Num),
        ("interests", Bool),
        ("rules", rules()),
        ("fresh", fresh()),
    ])
}

fn similar() -> Shape {
    optional(&[
        ("k", UInt),
        ("filters", filters()),
        ("exclude", list(Str)),
        ("diversity", Num),
        ("rules", rules()),
        ("history", list(event())),
        ("now", Num),
        ("fresh", fresh()),
    ])
}

fn placement() -> Shape {
    optional(&[
        ("k", UInt),
        ("category", Str),
        ("filters", filters()),
        ("exclude", list(Str)),
        ("rules", rules()),
        ("history", list(event())),
        ("now", Num),
    ])
}

fn rerank() -> Shape {
    optional(&[
        ("strength", Num),
        ("eventWeights", weights()),
        ("halfLifeDays", Num),
        ("now", Num),
    ])
}

fn segment() -> Shape {
    optional(&[
        ("eventWeights", weights()),
        ("halfLifeDays", Num),
        ("now", Num),
    ])
}

fn standing() -> Shape {
    Obj(vec![
        ("segment", Bool, true),
        ("rfm", Bool, true),
        ("userDims", UInt, true),
    ])
}

/// A value of the wrong kind. Its objects' keys are field names (never an enum's variant
/// names) and its lists hold one or two objects: serde also reads a struct from a list of
/// its fields' values (an empty list, where every field has a default) and an enum from a
/// one-key object, two forms the reader refuses on purpose (see the module's doc), which no
/// page writes.
fn junk() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-3i64..3).prop_map(Value::from),
        Just(json!(0.5)),
        Just(json!(1e40)),
        Just(json!(u64::MAX)),
        prop::sample::select(vec!["", "x", "30", "sku-1"]).prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(
                prop::collection::btree_map(
                    prop::sample::select(vec!["k", "share", "add", "id", "rules"]),
                    inner.clone(),
                    0..2,
                )
                .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.into(), v)).collect())),
                1..3,
            )
            .prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec!["k", "share", "add", "id", "now", "bogus"]),
                inner,
                0..3,
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.into(), v)).collect())),
        ]
    })
    .boxed()
}

/// A value of `shape`, now and then with a wrong field, a `null`, a missing required field
/// or an unknown one.
fn value(shape: &Shape) -> BoxedStrategy<Value> {
    let good: BoxedStrategy<Value> = match shape {
        Str => prop::sample::select(vec!["sku-1", "sku-2", "hats", "", "30"])
            .prop_map(Value::from)
            .boxed(),
        Num => prop_oneof![
            (-1000i64..1000).prop_map(Value::from),
            // Short decimals, which read exactly: how floats are read is `json`'s own
            // test; here it is which fields are read.
            (-1e6f64..1e6).prop_map(|x| Value::from((x * 1e3).round() / 1e3)),
            Just(json!(1e300)),
        ]
        .boxed(),
        UInt => prop_oneof![
            4 => (0u64..2000).prop_map(Value::from),
            1 => (-5i64..0).prop_map(Value::from),
            1 => Just(json!(2.5)),
            1 => Just(json!(u64::MAX)),
        ]
        .boxed(),
        Bool => any::<bool>().prop_map(Value::from).boxed(),
        Enum(names) => {
            let mut names = names.to_vec();
            names.push("bogus");
            names.push("View");
            prop::sample::select(names).prop_map(Value::from).boxed()
        }
        List(inner) => prop::collection::vec(value(inner), 0..4)
            .prop_map(Value::Array)
            .boxed(),
        Obj(fields) => {
            let parts: Vec<BoxedStrategy<Option<(&'static str, Value)>>> = fields
                .iter()
                .map(|(name, shape, required)| {
                    let keep = if *required { 0.95 } else { 0.4 };
                    let name = *name;
                    prop::option::weighted(keep, value(shape))
                        .prop_map(move |v| v.map(|v| (name, v)))
                        .boxed()
                })
                .collect();
            (parts, prop::option::weighted(0.05, Just("bogusField")))
                .prop_map(|(parts, unknown)| {
                    let mut map = Map::new();
                    for (name, v) in parts.into_iter().flatten() {
                        map.insert(name.into(), v);
                    }
                    if let Some(name) = unknown {
                        map.insert(name.into(), Value::Null);
                    }
                    Value::Object(map)
                })
                .boxed()
        }
    };
    prop_oneof![16 => good, 1 => junk(), 1 => Just(Value::Null)].boxed()
}

/// The reader and the derive agree: both refuse, or both give the same value.
fn agrees<T: DeserializeOwned + PartialEq + Debug>(value: &Value, read: Reader<T>) {
    let derived = serde_json::from_value::<T>(value.clone());
    match (derived, read(&ours(value))) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{value}"),
        (Err(_), Err(_)) => {}
        (a, b) => panic!("derive {a:?}, reader {b:?}, on {value}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn recommend_options_read_as_the_derive_reads_them(v in value(&recommend())) {
        agrees::<dto::RecommendOptions>(&v, recommend_options);
    }

    #[test]
    fn similar_options_read_as_the_derive_reads_them(v in value(&similar())) {
        agrees::<dto::SimilarOptions>(&v, similar_options);
    }

    #[test]
    fn placement_options_read_as_the_derive_reads_them(v in value(&placement())) {
        agrees::<dto::PlacementOptions>(&v, placement_options);
    }

    #[test]
    fn small_option_objects_read_as_the_derive_reads_them(
        r in value(&rerank()),
        s in value(&segment()),
        q in value(&standing()),
    ) {
        agrees::<dto::RerankOptions>(&r, rerank_options);
        agrees::<dto::SegmentOptions>(&s, segment_options);
        agrees::<StandingRequest>(&q, standing_request);
    }

    #[test]
    fn histories_and_ids_read_as_the_derive_reads_them(
        h in value(&list(event())),
        ids in value(&list(Str)),
    ) {
        agrees::<Vec<dto::HistoryEvent>>(&h, history);
        agrees::<Vec<String>>(&ids, item_ids);
    }
}

/// A valid value of every field reads to what the derive gives: the generator above also
/// reaches valid objects, but rarely all fields at once.
#[test]
fn a_full_recommend_object_reads_field_for_field() {
    let full = json!({
        "k": 7, "filters": { "categories": ["hats"], "priceMin": 1, "priceMax": 9.5,
        "availableOnly": true }, "exclude": ["a"], "excludeHistory": "purchased",
        "diversity": 0.3, "probabilities": true, "contextCategory": "hats",
        "eventWeights": { "view": 1, "cart": 2.5, "purchase": 4 }, "halfLifeDays": 30,
        "now": 1.7e12, "interests": true,
        "rules": { "boosts": [{ "tags": ["sale"], "ids": ["b"], "categories": ["c"],
        "priceMin": 0, "priceMax": 3, "add": -0.5 }], "pins": [{ "id": "p", "position": 2 }],
        "neverShow": ["n"], "neverShowCategories": ["m"], "hideBoughtDays": 14 },
        "fresh": { "share": 0.25 }
    });
    let read = recommend_options(&ours(&full)).unwrap();
    assert_eq!(read, dto::RecommendOptions::deserialize(&full).unwrap());
    assert_eq!(read.rules.unwrap().pins.unwrap()[0].position, 2);
}

#[test]
fn errors_say_which_field_and_why_in_serdes_words() {
    let err = |v: Value| recommend_options(&ours(&v)).unwrap_err().to_string();
    assert_eq!(
        err(json!({ "rules": { "boosts": [{ "tags": ["sale"] }, { "add": "lots" }] } })),
        "`rules.boosts[0]`: missing field `add`"
    );
    assert_eq!(
        err(json!({ "rules": { "boosts": [{ "add": 1 }, { "add": "lots" }] } })),
        "`rules.boosts[1].add`: invalid type: string \"lots\", expected a number"
    );
    assert_eq!(
        err(json!({ "kk": 3 })),
        format!("unknown field `kk`, expected {}", one_of(RECOMMEND_FIELDS))
    );
    assert!(err(json!({ "k": 3.5 })).contains("invalid type: floating point `3.5`"));
    assert_eq!(
        err(json!({ "rules": { "pins": [{ "id": "a", "position": -1 }] } })),
        "`rules.pins[0].position`: invalid value: integer `-1`, expected a non-negative \
         integer that fits usize"
    );
    assert_eq!(
        err(json!({ "excludeHistory": "some" })),
        "`excludeHistory`: unknown variant `some`, expected one of `all`, `purchased`, `none`"
    );
    assert_eq!(err(json!([])), "invalid type: sequence, expected an object");
    let err = history(&ours(
        &json!([{ "itemId": "a", "type": "view" }, { "itemId": 3 }]),
    ))
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "`[1].itemId`: invalid type: integer `3`, expected a string"
    );
}

#[test]
fn the_field_lists_are_serdes_own() {
    assert_eq!(field_names::<dto::HistoryEvent>(), HISTORY_EVENT_FIELDS);
    assert_eq!(field_names::<dto::Filters>(), FILTERS_FIELDS);
    assert_eq!(field_names::<dto::EventWeights>(), EVENT_WEIGHTS_FIELDS);
    assert_eq!(field_names::<dto::RecommendOptions>(), RECOMMEND_FIELDS);
    assert_eq!(field_names::<dto::Fresh>(), FRESH_FIELDS);
    assert_eq!(field_names::<dto::Rules>(), RULES_FIELDS);
    assert_eq!(field_names::<dto::Boost>(), BOOST_FIELDS);
    assert_eq!(field_names::<dto::PinRule>(), PIN_FIELDS);
    assert_eq!(field_names::<dto::SimilarOptions>(), SIMILAR_FIELDS);
    assert_eq!(field_names::<dto::PlacementOptions>(), PLACEMENT_FIELDS);
    assert_eq!(field_names::<dto::RerankOptions>(), RERANK_FIELDS);
    assert_eq!(field_names::<dto::SegmentOptions>(), SEGMENT_FIELDS);
    assert_eq!(field_names::<StandingRequest>(), STANDING_FIELDS);
}

/// The field names a derived `Deserialize` accepts, as serde lists them: the derive hands
/// them to `Deserializer::deserialize_struct`, which [`FieldNames`] answers with an error
/// carrying them.
fn field_names<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    T::deserialize(FieldNames)
        .err()
        .map_or(&[], |Fields(names)| names)
}

struct FieldNames;

#[derive(Debug)]
struct Fields(&'static [&'static str]);

impl std::fmt::Display for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fields {:?}", self.0)
    }
}

impl std::error::Error for Fields {}

impl serde::de::Error for Fields {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Fields(&[])
    }
}

impl<'de> serde::Deserializer<'de> for FieldNames {
    type Error = Fields;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Fields> {
        Err(Fields(&[]))
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Fields> {
        Err(Fields(fields))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}
