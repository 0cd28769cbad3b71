//! Numbers and texts in messages, written without `core::fmt`'s float code or its string
//! escaping.
//!
//! `{}` on an `f32` or `f64` brings the standard library's float formatting (Grisu with a
//! Dragon4 fallback, their tables and the exact-precision paths, about 18 KB of the engine
//! module by twiggy; 31 KB with the typed parse paths whose errors used it) into the wasm,
//! for the few error messages that quote a number. [`Num`]
//! writes them with zmij instead, the shortest round-trip formatter serde_json already
//! brings in for its own floats: the same shortest digits, in zmij's notation (`0.5`,
//! `1e-7`, `1e+30`) less the `.0` of whole numbers (`2`, as `{}` writes them), and `NaN`,
//! `inf`, `-inf`.

use std::fmt;

/// `x` as messages show it: `format!("{} is not between 0 and 1", Num(x))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num<F>(pub F);

impl<F: zmij::Float + Copy> fmt::Display for Num<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buffer = zmij::Buffer::new();
        let text = buffer.format(self.0);
        f.write_str(text.strip_suffix(".0").unwrap_or(text))
    }
}

/// A text as messages quote it: `format!("unknown item {}", Quoted(id))` writes
/// `unknown item "sku-1"`, as `{:?}` does for every text without control characters. `{:?}`
/// on a string brings `core`'s escaping, its Unicode printability tables and the `Debug`
/// machinery (6.9 KB of the engine module and 6.7 KB of the campaigns', measured when the
/// messages moved to `Quoted`) for the few messages that quote one; here `"` and `\` are
/// escaped, tab, line feed and carriage return as `\t`, `\n`, `\r`, other control
/// characters as `\u{..}`, and everything else is written as it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        f.write_char('"')?;
        for c in self.0.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\t' => f.write_str("\\t")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                c if c.is_ascii_control() => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    let n = c as usize;
                    f.write_str("\\u{")?;
                    if n >= 16 {
                        f.write_char(HEX[n >> 4] as char)?;
                    }
                    f.write_char(HEX[n & 15] as char)?;
                    f.write_char('}')?;
                }
                c => f.write_char(c)?,
            }
        }
        f.write_char('"')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_quoted_as_debug_quotes_them() {
        for text in [
            "",
            "sku-1",
            "a \"b\" \\ c",
            "tab\there\nand\r",
            "\u{1}\u{1f}\u{7f}",
            "é ü 漢字 🛒",
        ] {
            assert_eq!(Quoted(text).to_string(), format!("{text:?}"), "{text:?}");
        }
    }

    #[test]
    fn shortest_digits_that_read_back_as_the_same_value() {
        assert_eq!(Num(0.1f32).to_string(), "0.1");
        assert_eq!(Num(0.1f64).to_string(), "0.1");
        assert_eq!(Num(2.0f32).to_string(), "2");
        assert_eq!(Num(3650.0f64).to_string(), "3650");
        assert_eq!(Num(-1.5f64).to_string(), "-1.5");
        assert_eq!(Num(1e6f32).to_string(), "1000000");
        assert_eq!(Num(1e30f32).to_string(), "1e+30");
        assert_eq!(Num(f64::NAN).to_string(), "NaN");
        assert_eq!(Num(f32::INFINITY).to_string(), "inf");
        assert_eq!(Num(f64::NEG_INFINITY).to_string(), "-inf");
        for x in [0.3f32, 1e-7, 123.456, f32::MAX, f32::MIN_POSITIVE] {
            assert_eq!(Num(x).to_string().parse::<f32>().unwrap(), x);
        }
    }
}
