//! One duration syntax for every time flag (`--timeout 90s`, `--cell-budget 2m`, `--budget
//! 1h30m`; plain seconds still accepted): jiff's "friendly" duration format, which also reads
//! ISO 8601 (`PT2M`).

/// `90s`, `2m`, `1h30m`, `1.5s`, `PT2M` or a plain number of seconds (`90`, `0.5`) → seconds.
pub fn parse_seconds(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let secs = match t.parse::<f64>() {
        Ok(x) => x,
        Err(_) => t
            .parse::<jiff::SignedDuration>()
            .map(|d| d.as_secs_f64())
            .map_err(|_| {
                format!("`{s}` is not a duration: write 90s, 2m, 1h30m or a number of seconds")
            })?,
    };
    if !(secs.is_finite() && secs > 0.0) {
        return Err(format!("`{s}`: a duration must be more than 0 s"));
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_syntax_for_every_time_flag() {
        assert_eq!(parse_seconds("90"), Ok(90.0));
        assert_eq!(parse_seconds("90s"), Ok(90.0));
        assert_eq!(parse_seconds("2m"), Ok(120.0));
        assert_eq!(parse_seconds("1h30m"), Ok(5400.0));
        assert_eq!(parse_seconds("1.5s"), Ok(1.5));
        assert_eq!(parse_seconds("15m"), Ok(900.0));
        assert_eq!(parse_seconds("PT2M"), Ok(120.0));
        assert!(parse_seconds("soon").unwrap_err().contains("90s, 2m"));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("-5s").is_err());
    }
}
