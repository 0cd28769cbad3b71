//! JSON as the engine reads it: the catalog header, numbers in its metadata, and the
//! option objects the web API takes.
//!
//! Hand-written because of the wasm's size: serde_json's `Value` parser, its map and its
//! writer were about 20 KB of the engine module (twiggy), for a grammar the engine needs
//! only to read into a tree and, for files that need their tensors re-aligned, to write a
//! header back. What is read is what serde_json reads (RFC 8259; a property test in
//! `tests` holds the two to the same trees and the same verdicts): objects keep their keys
//! in sorted order with the last of a repeated key winning (serde_json's default map),
//! integers stay integers (`u64`, or `i64` when negative) and other numbers are `f64`,
//! nesting deeper than 127 levels is refused (so a hostile header cannot exhaust the stack), and
//! errors name the line and column. Numbers are read as serde_json reads them without its
//! `float_roundtrip` feature (as the engine read them before): the decimal significand
//! times or over the f64 nearest its power of ten. That is exact for up to 15 significant
//! digits with a power of ten up to 10^22 (the options a page writes), and within two
//! units in the last place otherwise (the significand, the power and the result each
//! rounded); a catalog's metadata numbers are f32 values, rounded from that f64 as before.
//! [`parse_round_trip`] reads every float zmij wrote (serde_json's float writer, and so the
//! campaign policies' stored statistics) back to the very same f64, for data that must
//! survive being stored as text.

use std::fmt;

use crate::sort::sort_ids_by;

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Object),
}

/// A JSON number: an integer when written as one and in range, otherwise an `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A non-negative integer.
    PosInt(u64),
    /// A negative integer.
    NegInt(i64),
    Float(f64),
}

/// A JSON object: keys in sorted order, each once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object {
    entries: Vec<(String, Value)>,
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(values) => Some(values),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(object) => Some(object),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(n.as_f64()),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The member `key` of an object (`None` for other values).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|object| object.get(key))
    }
}

impl Number {
    pub fn as_f64(self) -> f64 {
        match self {
            Number::PosInt(n) => n as f64,
            Number::NegInt(n) => n as f64,
            Number::Float(x) => x,
        }
    }

    pub fn as_u64(self) -> Option<u64> {
        match self {
            Number::PosInt(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_i64(self) -> Option<i64> {
        match self {
            Number::PosInt(n) => i64::try_from(n).ok(),
            Number::NegInt(n) => Some(n),
            Number::Float(_) => None,
        }
    }

    /// Whether it was read as a floating-point number (not an integer).
    pub fn is_f64(self) -> bool {
        matches!(self, Number::Float(_))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Number::PosInt(n) => write!(f, "{n}"),
            Number::NegInt(n) => write!(f, "{n}"),
            // JSON has no NaN or infinity; the reader never makes one.
            Number::Float(x) if !x.is_finite() => f.write_str("null"),
            Number::Float(x) => f.write_str(zmij::Buffer::new().format_finite(x)),
        }
    }
}

impl Object {
    pub fn new() -> Object {
        Object::default()
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.position(key).ok().map(|i| &self.entries[i].1)
    }

    /// Sets `key` (replacing an earlier value, as a repeated key in the text does).
    pub fn insert(&mut self, key: String, value: Value) {
        match self.position(&key) {
            Ok(i) => self.entries[i].1 = value,
            Err(i) => self.entries.insert(i, (key, value)),
        }
    }

    /// The object of `entries` in text order: keys sorted, the last of a repeated key
    /// kept. One sort, so that a hostile header with millions of keys in reverse order
    /// costs O(n log n), not the O(n²) of inserting each in place.
    fn from_entries(mut entries: Vec<(String, Value)>) -> Object {
        // What writers emit (safetensors', serde_json's, `write` below): nothing to do.
        if entries.windows(2).all(|pair| pair[0].0 < pair[1].0) {
            return Object { entries };
        }
        // Text can hold no more entries than bytes, and a `str` fewer than 2^32 of them
        // here: the parser's input is one header (at most 100 MB) or one argument.
        let mut order: Vec<u32> = (0..entries.len() as u32).collect();
        // By key, the later of equal keys first: the first of each run is the one kept.
        sort_ids_by(&mut order, &mut |a, b| {
            let (ka, kb) = (&entries[a as usize].0, &entries[b as usize].0);
            ka.cmp(kb).then(b.cmp(&a))
        });
        let mut sorted: Vec<(String, Value)> = Vec::with_capacity(order.len());
        for i in order {
            let entry = &mut entries[i as usize];
            if sorted.last().is_some_and(|(kept, _)| *kept == entry.0) {
                continue;
            }
            sorted.push(std::mem::replace(entry, (String::new(), Value::Null)));
        }
        Object { entries: sorted }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl IntoIterator for Object {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

/// Why a text is not JSON, and where (1-based line and column, as editors count).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    reason: &'static str,
    line: usize,
    column: usize,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.reason, self.line, self.column
        )
    }
}

impl std::error::Error for Error {}

/// Nesting of arrays and objects refused (serde_json's limit too: 127 levels read).
const MAX_DEPTH: usize = 128;

/// Reads `text` as one JSON value (surrounding whitespace allowed).
pub fn parse(text: &str) -> Result<Value, Error> {
    Reader::<false>::read(text)
}

/// [`parse`], with every float written as zmij writes it (the shortest digits that read
/// back, the nearest of them when two are as short) read as exactly that f64, where
/// `parse` may be up to two units in the last place off past 15 significant digits. Other
/// floats read as `parse` reads them: longer texts, such as `0.10000000000000001` for 0.1,
/// and the rare value whose two shortest forms are equally near it, written with the
/// other one by a writer that breaks the tie the other way (Rust's `{}` does for some). A
/// separate entry, not a flag, so that a module calling only `parse` carries none of it.
pub fn parse_round_trip(text: &str) -> Result<Value, Error> {
    Reader::<true>::read(text)
}

/// The reader; `ROUND_TRIP` picks [`parse_round_trip`]'s reading of floats.
struct Reader<'t, const ROUND_TRIP: bool> {
    bytes: &'t [u8],
    at: usize,
    depth: usize,
}

impl<'t, const ROUND_TRIP: bool> Reader<'t, ROUND_TRIP> {
    fn read(text: &'t str) -> Result<Value, Error> {
        let mut reader = Reader::<ROUND_TRIP> {
            bytes: text.as_bytes(),
            at: 0,
            depth: 0,
        };
        let value = reader.value()?;
        reader.skip_whitespace();
        if reader.at < reader.bytes.len() {
            return Err(reader.error("trailing characters"));
        }
        Ok(value)
    }

    fn error(&self, reason: &'static str) -> Error {
        let before = &self.bytes[..self.at.min(self.bytes.len())];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        Error {
            reason,
            line,
            column: self.at.min(self.bytes.len()) - line_start + 1,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// Consumes `byte` after optional whitespace, or fails with `reason`.
    fn expect(&mut self, byte: u8, reason: &'static str) -> Result<(), Error> {
        self.skip_whitespace();
        if self.peek() != Some(byte) {
            return Err(self.error(reason));
        }
        self.at += 1;
        Ok(())
    }

    fn value(&mut self) -> Result<Value, Error> {
        self.skip_whitespace();
        match self.peek() {
            None => Err(self.error("EOF while parsing a value")),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
            Some(b'[') => self.nested(Self::array),
            Some(b'{') => self.nested(Self::object),
            Some(_) => Err(self.error("expected value")),
        }
    }

    fn literal(&mut self, word: &'static str, value: Value) -> Result<Value, Error> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error("expected value"))
        }
    }

    fn nested(&mut self, read: fn(&mut Self) -> Result<Value, Error>) -> Result<Value, Error> {
        if self.depth + 1 >= MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        self.depth += 1;
        self.at += 1; // the opening bracket
        let value = read(self);
        self.depth -= 1;
        value
    }

    fn array(&mut self) -> Result<Value, Error> {
        let mut values = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Value::Array(values));
        }
        loop {
            values.push(self.value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Value::Array(values));
                }
                None => return Err(self.error("EOF while parsing a list")),
                Some(_) => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self) -> Result<Value, Error> {
        let mut entries = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Value::Object(Object::new()));
        }
        loop {
            self.skip_whitespace();
            match self.peek() {
                Some(b'"') => {}
                None => return Err(self.error("EOF while parsing an object")),
                Some(_) => return Err(self.error("key must be a string")),
            }
            let key = self.string()?;
            self.expect(b':', "expected `:`")?;
            let value = self.value()?;
            entries.push((key, value));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Value::Object(Object::from_entries(entries)));
                }
                None => return Err(self.error("EOF while parsing an object")),
                Some(_) => return Err(self.error("expected `,` or `}`")),
            }
        }
    }

    /// A string, the reader at its opening quote.
    fn string(&mut self) -> Result<String, Error> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            // Copy the run up to the next quote, escape or control character at once.
            let run = self.bytes[self.at..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(self.bytes.len() - self.at);
            out.extend_from_slice(&self.bytes[self.at..self.at + run]);
            self.at += run;
            match self.peek() {
                None => return Err(self.error("EOF while parsing a string")),
                Some(b'"') => {
                    self.at += 1;
                    // The input is a `str` and escapes write whole characters: UTF-8.
                    return String::from_utf8(out)
                        .map_err(|_| self.error("invalid unicode code point"));
                }
                Some(b'\\') => {
                    self.at += 1;
                    self.escape(&mut out)?;
                }
                Some(_) => {
                    return Err(self
                        .error("control character (\\u0000-\\u001F) found while parsing a string"))
                }
            }
        }
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        let Some(byte) = self.peek() else {
            return Err(self.error("EOF while parsing a string"));
        };
        self.at += 1;
        let simple = match byte {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let c = self.unicode_escape()?;
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                return Ok(());
            }
            _ => return Err(self.error("invalid escape")),
        };
        out.push(simple);
        Ok(())
    }

    /// The character of a `\uXXXX` escape (after the `u`), with its low surrogate's escape
    /// when it is a high surrogate.
    fn unicode_escape(&mut self) -> Result<char, Error> {
        let first = self.hex4()?;
        let code = match first {
            0xDC00..=0xDFFF => return Err(self.error("lone leading surrogate in hex escape")),
            0xD800..=0xDBFF => {
                if !self.bytes[self.at..].starts_with(b"\\u") {
                    return Err(self.error("unexpected end of hex escape"));
                }
                self.at += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.error("lone leading surrogate in hex escape"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            _ => first,
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid unicode code point"))
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = match self.peek() {
                None => return Err(self.error("EOF while parsing a string")),
                Some(b) => (b as char)
                    .to_digit(16)
                    .ok_or_else(|| self.error("invalid escape"))?,
            };
            self.at += 1;
            code = code * 16 + digit;
        }
        Ok(code)
    }

    /// The run of digits at the reader, borrowed from the text (no copy).
    fn digits(&mut self) -> &'t [u8] {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        &self.bytes[start..self.at]
    }

    fn number(&mut self) -> Result<Number, Error> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let integer = self.digits();
        if integer.is_empty() || (integer[0] == b'0' && integer.len() > 1) {
            return Err(self.error("invalid number"));
        }
        let mut fraction: &[u8] = &[];
        if self.peek() == Some(b'.') {
            self.at += 1;
            fraction = self.digits();
            if fraction.is_empty() {
                return Err(self.error("invalid number"));
            }
        }
        let mut exponent: i64 = 0;
        let has_exponent = matches!(self.peek(), Some(b'e' | b'E'));
        if has_exponent {
            self.at += 1;
            let negative_exponent = match self.peek() {
                Some(b'-') => {
                    self.at += 1;
                    true
                }
                Some(b'+') => {
                    self.at += 1;
                    false
                }
                _ => false,
            };
            let digits = self.digits();
            if digits.is_empty() {
                return Err(self.error("invalid number"));
            }
            // Saturates far beyond any exponent an f64 can use.
            for &d in digits {
                exponent = (exponent * 10 + i64::from(d - b'0')).min(1 << 40);
            }
            if negative_exponent {
                exponent = -exponent;
            }
        }
        if fraction.is_empty() && !has_exponent {
            if let Some(n) = whole(integer) {
                if !negative {
                    return Ok(Number::PosInt(n));
                }
                // `-0` is a float, as serde_json reads it.
                match 0i64.checked_sub_unsigned(n) {
                    Some(0) => return Ok(Number::Float(-0.0)),
                    Some(n) => return Ok(Number::NegInt(n)),
                    None => {}
                }
            }
        }
        let mut value = decimal(integer, fraction, exponent)
            .ok_or_else(|| self.error("number out of range"))?;
        if ROUND_TRIP {
            value = round_trip(value, integer, fraction, exponent);
        }
        Ok(Number::Float(if negative { -value } else { value }))
    }
}

/// `digits` as a u64, if it fits.
fn whole(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// integer.fraction × 10^exponent as serde_json computes it without `float_roundtrip`:
/// the digits as a u64 significand (digits past its range only move the exponent), then
/// one multiplication or division by an exact power of ten. `None` when it overflows.
fn decimal(integer: &[u8], fraction: &[u8], exponent: i64) -> Option<f64> {
    let mut significand: u64 = 0;
    let mut scale = exponent;
    let mut overflowed = false;
    for (i, &d) in integer.iter().chain(fraction).enumerate() {
        let in_fraction = i >= integer.len();
        let digit = u64::from(d - b'0');
        match (!overflowed)
            .then(|| {
                significand
                    .checked_mul(10)
                    .and_then(|s| s.checked_add(digit))
            })
            .flatten()
        {
            Some(next) => {
                significand = next;
                if in_fraction {
                    scale -= 1;
                }
            }
            None => {
                // Past 19–20 digits: the rest only scale the value.
                overflowed = true;
                if !in_fraction {
                    scale += 1;
                }
            }
        }
    }
    let mut value = significand as f64;
    loop {
        match POW10.get(scale.unsigned_abs() as usize) {
            Some(&power) => {
                if scale >= 0 {
                    value *= power;
                    if value.is_infinite() {
                        return None;
                    }
                } else {
                    value /= power;
                }
                return Some(value);
            }
            None => {
                if value == 0.0 {
                    return Some(value);
                }
                if scale >= 0 {
                    return None;
                }
                value /= 1e308;
                scale += 308;
            }
        }
    }
}

/// The f64 that zmij writes as integer.fraction × 10^exponent, looked for among `near`
/// (what [`decimal`] read, within two units in the last place of the correctly rounded
/// value) and the four doubles nearest it; `near` when zmij writes none of them so. Exact
/// without big arithmetic: zmij's digits for a double read back as that double, so a match
/// is the correctly rounded value.
fn round_trip(near: f64, integer: &[u8], fraction: &[u8], exponent: i64) -> f64 {
    let Some(wanted) = shortest_form(integer, fraction, exponent) else {
        return near;
    };
    let bits = near.to_bits();
    let candidates = [
        Some(bits),
        bits.checked_add(1),
        bits.checked_sub(1),
        bits.checked_add(2),
        bits.checked_sub(2),
    ];
    for candidate in candidates.into_iter().flatten().map(f64::from_bits) {
        if candidate.is_finite() && candidate.is_sign_positive() {
            let mut buffer = zmij::Buffer::new();
            if shortest_form_of(buffer.format_finite(candidate)) == Some(wanted) {
                return candidate;
            }
        }
    }
    near
}

/// integer.fraction × 10^exponent as (significand without trailing zeros, power of ten),
/// zero as (0, 0); `None` past 17 significant digits, more than any f64's shortest form has.
fn shortest_form(integer: &[u8], fraction: &[u8], exponent: i64) -> Option<(u64, i64)> {
    let mut significand: u64 = 0;
    let mut digits = 0;
    // Zeros after the last non-zero digit so far: trailing unless another digit follows.
    let mut zeros: u32 = 0;
    for &d in integer.iter().chain(fraction) {
        if d == b'0' {
            if significand != 0 {
                zeros += 1;
            }
            continue;
        }
        digits += zeros + 1;
        if digits > 17 {
            return None;
        }
        significand = significand * 10u64.pow(zeros + 1) + u64::from(d - b'0');
        zeros = 0;
    }
    if significand == 0 {
        return Some((0, 0));
    }
    Some((
        significand,
        exponent - fraction.len() as i64 + i64::from(zeros),
    ))
}

/// [`shortest_form`] of a float zmij wrote (`1.5e-7`, `0.1`, `1e+30`, `123.0`).
fn shortest_form_of(text: &str) -> Option<(u64, i64)> {
    let (mantissa, exponent) = match text.split_once('e') {
        Some((mantissa, exponent)) => (mantissa, exponent.parse::<i64>().ok()?),
        None => (text, 0),
    };
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    shortest_form(integer.as_bytes(), fraction.as_bytes(), exponent)
}

/// Writes `value` as compact JSON text (keys in the object's sorted order).
pub fn write(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(text) => write_string(text, out),
        Value::Array(values) => {
            out.push('[');
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(v, out);
            }
            out.push(']');
        }
        Value::Object(object) => {
            out.push('{');
            for (i, (k, v)) in object.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write(v, out);
            }
            out.push('}');
        }
    }
}

fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        write(self, &mut text);
        f.write_str(&text)
    }
}

/// 10^0 … 10^308, each the f64 nearest to it (what the literal means).
#[rustfmt::skip]
static POW10: [f64; 309] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
    1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
    1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29,
    1e30, 1e31, 1e32, 1e33, 1e34, 1e35, 1e36, 1e37, 1e38, 1e39,
    1e40, 1e41, 1e42, 1e43, 1e44, 1e45, 1e46, 1e47, 1e48, 1e49,
    1e50, 1e51, 1e52, 1e53, 1e54, 1e55, 1e56, 1e57, 1e58, 1e59,
    1e60, 1e61, 1e62, 1e63, 1e64, 1e65, 1e66, 1e67, 1e68, 1e69,
    1e70, 1e71, 1e72, 1e73, 1e74, 1e75, 1e76, 1e77, 1e78, 1e79,
    1e80, 1e81, 1e82, 1e83, 1e84, 1e85, 1e86, 1e87, 1e88, 1e89,
    1e90, 1e91, 1e92, 1e93, 1e94, 1e95, 1e96, 1e97, 1e98, 1e99,
    1e100, 1e101, 1e102, 1e103, 1e104, 1e105, 1e106, 1e107, 1e108, 1e109,
    1e110, 1e111, 1e112, 1e113, 1e114, 1e115, 1e116, 1e117, 1e118, 1e119,
    1e120, 1e121, 1e122, 1e123, 1e124, 1e125, 1e126, 1e127, 1e128, 1e129,
    1e130, 1e131, 1e132, 1e133, 1e134, 1e135, 1e136, 1e137, 1e138, 1e139,
    1e140, 1e141, 1e142, 1e143, 1e144, 1e145, 1e146, 1e147, 1e148, 1e149,
    1e150, 1e151, 1e152, 1e153, 1e154, 1e155, 1e156, 1e157, 1e158, 1e159,
    1e160, 1e161, 1e162, 1e163, 1e164, 1e165, 1e166, 1e167, 1e168, 1e169,
    1e170, 1e171, 1e172, 1e173, 1e174, 1e175, 1e176, 1e177, 1e178, 1e179,
    1e180, 1e181, 1e182, 1e183, 1e184, 1e185, 1e186, 1e187, 1e188, 1e189,
    1e190, 1e191, 1e192, 1e193, 1e194, 1e195, 1e196, 1e197, 1e198, 1e199,
    1e200, 1e201, 1e202, 1e203, 1e204, 1e205, 1e206, 1e207, 1e208, 1e209,
    1e210, 1e211, 1e212, 1e213, 1e214, 1e215, 1e216, 1e217, 1e218, 1e219,
    1e220, 1e221, 1e222, 1e223, 1e224, 1e225, 1e226, 1e227, 1e228, 1e229,
    1e230, 1e231, 1e232, 1e233, 1e234, 1e235, 1e236, 1e237, 1e238, 1e239,
    1e240, 1e241, 1e242, 1e243, 1e244, 1e245, 1e246, 1e247, 1e248, 1e249,
    1e250, 1e251, 1e252, 1e253, 1e254, 1e255, 1e256, 1e257, 1e258, 1e259,
    1e260, 1e261, 1e262, 1e263, 1e264, 1e265, 1e266, 1e267, 1e268, 1e269,
    1e270, 1e271, 1e272, 1e273, 1e274, 1e275, 1e276, 1e277, 1e278, 1e279,
    1e280, 1e281, 1e282, 1e283, 1e284, 1e285, 1e286, 1e287, 1e288, 1e289,
    1e290, 1e291, 1e292, 1e293, 1e294, 1e295, 1e296, 1e297, 1e298, 1e299,
    1e300, 1e301, 1e302, 1e303, 1e304, 1e305, 1e306, 1e307, 1e308,
];

#[cfg(test)]
mod tests;
