//! How numbers are written for readers, and how they are found again in text.
//!
//! Every figure the article shows goes through these functions, so one rule decides how many
//! digits a reader sees (three significant digits, thousands separated by commas), and
//! [`number_tokens`] is the one definition of "a number in the text" that the traceability check
//! uses on the output and on the view model alike.

/// `x` with three significant digits, without exponent: `7.4206` → `7.42`, `20.44` → `20.4`,
/// `0.041138` → `0.0411`, `1234.5` → `1,230`. Non-finite values give `n/a`.
pub fn sig3(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let decimals = decimals_for(x, 3);
    if decimals == 0 {
        // Round the integer part too: 1481.3 -> 1,480.
        let mag = x.abs().log10().floor() as i32;
        let unit = 10f64.powi((mag - 2).max(0));
        return group(&format!("{:.0}", (x / unit).round() * unit));
    }
    group(&format!("{:.*}", decimals, x))
}

/// Decimals that give `sig` significant digits, after rounding (9.996 has 3 digits as `10.0`).
fn decimals_for(x: f64, sig: i32) -> usize {
    let mag = x.abs().log10().floor() as i32;
    let scale = 10f64.powi(sig - 1 - mag);
    let rounded = (x.abs() * scale).round() / scale;
    let mag = if rounded > 0.0 {
        rounded.log10().floor() as i32
    } else {
        mag
    };
    (sig - 1 - mag).max(0) as usize
}

/// An integer with thousands separators: `2512` → `2,512`.
pub fn int(n: u64) -> String {
    group(&n.to_string())
}

/// Insert commas into the integer part of a plain decimal string.
fn group(s: &str) -> String {
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s),
    };
    let (int_part, frac) = match rest.find('.') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if int_part.len() <= 3 {
        return s.to_string();
    }
    let mut out = String::new();
    for (i, ch) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{sign}{out}{frac}")
}

/// A unit for a time, chosen from its magnitude so the value has one to three integer digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    Us,
    Ms,
    S,
}

impl TimeUnit {
    pub fn for_ns(ns: f64) -> TimeUnit {
        let a = ns.abs();
        if a < 100_000.0 {
            TimeUnit::Us
        } else if a < 1e9 {
            TimeUnit::Ms
        } else {
            TimeUnit::S
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            TimeUnit::Us => "µs",
            TimeUnit::Ms => "ms",
            TimeUnit::S => "s",
        }
    }

    pub fn scale(self, ns: f64) -> f64 {
        match self {
            TimeUnit::Us => ns / 1e3,
            TimeUnit::Ms => ns / 1e6,
            TimeUnit::S => ns / 1e9,
        }
    }
}

/// A duration in the unit that suits it ([`TimeUnit::for_ns`]): `82.0 ms`.
pub fn time(ns: f64) -> String {
    let u = TimeUnit::for_ns(ns);
    format!("{} {}", sig3(u.scale(ns)), u.symbol())
}

/// A number token found in text, with its byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberToken {
    pub text: String,
    pub offset: usize,
}

/// The numbers a reader sees in `text`.
///
/// A number is a run of digits, possibly with `.` or `,` between digits (`7.42`, `2,512`,
/// `0.0411`). A run glued to a letter on either side is part of a word or an identifier, not a
/// number (`H2`, `sha256`, `x86`, `20261123T114521Z`), and is skipped. A trailing `.` or `,`
/// ends the sentence, not the number.
pub fn number_tokens(text: &str) -> Vec<NumberToken> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (off, c) = chars[i];
        if !c.is_ascii_digit() {
            i += 1;
            continue;
        }
        let prev_is_word = i > 0 && {
            let p = chars[i - 1].1;
            p.is_alphabetic() || p == '_'
        };
        let mut j = i;
        while j < chars.len() {
            let cj = chars[j].1;
            if cj.is_ascii_digit() {
                j += 1;
            } else if (cj == '.' || cj == ',')
                && j + 1 < chars.len()
                && chars[j + 1].1.is_ascii_digit()
            {
                j += 2;
            } else {
                break;
            }
        }
        let next_is_word = j < chars.len() && {
            let n = chars[j].1;
            n.is_alphabetic() || n == '_'
        };
        if !prev_is_word && !next_is_word {
            let end = if j < chars.len() {
                chars[j].0
            } else {
                text.len()
            };
            out.push(NumberToken {
                text: text[off..end].to_string(),
                offset: off,
            });
        }
        i = j.max(i + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_digits() {
        assert_eq!(sig3(7.4206), "7.42");
        assert_eq!(sig3(20.44), "20.4");
        assert_eq!(sig3(0.041138), "0.0411");
        assert_eq!(sig3(317.4), "317");
        assert_eq!(sig3(9.996), "10.0");
        assert_eq!(sig3(99.96), "100");
        assert_eq!(sig3(1234.5), "1,230");
        assert_eq!(sig3(1481.3), "1,480");
        assert_eq!(sig3(317.6), "318");
        assert_eq!(sig3(-3.2246), "-3.22");
        assert_eq!(sig3(0.0), "0");
        assert_eq!(sig3(f64::INFINITY), "n/a");
        assert_eq!(int(2512), "2,512");
        assert_eq!(int(20), "20");
    }

    #[test]
    fn tokens_skip_identifiers() {
        let t: Vec<String> = number_tokens(
            "CPython 3.11.2 took 7.42 ms (95% CI 5.23–9.61) on H2 sha256, 2,512 runs; 20261123T1Z.",
        )
        .into_iter()
        .map(|t| t.text)
        .collect();
        assert_eq!(t, ["3.11.2", "7.42", "95", "5.23", "9.61", "2,512"]);
    }
}
