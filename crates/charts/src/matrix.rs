//! The decision matrix as an image: application classes × interpreters, each cell holding the
//! tests to run before choosing. Its words are editorial data (from `content/`), handed in;
//! this module only lays them out.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::{color, svg_chart, text, Chart, Result, INK, MUTED};

/// The matrix to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    pub title: String,
    /// Header of the row-label column ("App class").
    pub corner: String,
    /// Column headers (interpreters).
    pub columns: Vec<String>,
    pub rows: Vec<MatrixRow>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MatrixRow {
    pub label: String,
    /// One cell per column.
    pub cells: Vec<MatrixCell>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MatrixCell {
    /// A short verdict shown in bold above the items ("Promising").
    pub verdict: Option<String>,
    /// Bulleted items (the tests to run).
    pub items: Vec<String>,
}

/// The wrapped lines of one cell.
type CellLines = Vec<(LineKind, String)>;

/// How a line of a cell is drawn.
#[derive(Clone, Copy, PartialEq)]
enum LineKind {
    Verdict,
    Bullet,
    Continued,
}

const WIDTH: u32 = 960;
const LABEL_COL: u32 = 170;
const LINE: u32 = 19;
const PAD: u32 = 10;
/// Average advance of a 13 px sans-serif character, for wrapping.
const CHAR_PX: f64 = 6.4;

/// Greedy word wrap to `width` characters; a word longer than the line is cut.
fn wrap(s: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        if line.is_empty() {
            line = word;
        } else if line.chars().count() + 1 + word.chars().count() <= width {
            line.push(' ');
            line.push_str(&word);
        } else {
            lines.push(std::mem::replace(&mut line, word));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Draw the matrix. The description lists every cell, so the image says nothing that its
/// alt text does not.
pub fn decision_matrix(m: &Matrix) -> Result<Chart> {
    let k = m.columns.len().max(1) as u32;
    let col_w = (WIDTH - LABEL_COL) / k;
    let chars = ((col_w - 2 * PAD - 12) as f64 / CHAR_PX) as usize;
    let label_chars = ((LABEL_COL - 2 * PAD) as f64 / (CHAR_PX + 1.0)) as usize;
    // Lines of each cell: items as bullets, wrapped.
    let rows: Vec<(Vec<String>, Vec<CellLines>)> =
        m.rows
            .iter()
            .map(|r| {
                let cells = (0..k as usize)
                    .map(|c| {
                        let Some(cell) = r.cells.get(c) else {
                            return Vec::new();
                        };
                        let verdict = cell.verdict.iter().flat_map(|v| {
                            wrap(v, chars).into_iter().map(|l| (LineKind::Verdict, l))
                        });
                        let items = cell.items.iter().flat_map(|it| {
                            wrap(it, chars).into_iter().enumerate().map(|(i, l)| {
                                let kind = if i == 0 {
                                    LineKind::Bullet
                                } else {
                                    LineKind::Continued
                                };
                                (kind, l)
                            })
                        });
                        verdict.chain(items).collect()
                    })
                    .collect();
                (wrap(&r.label, label_chars), cells)
            })
            .collect();
    let heights: Vec<u32> = rows
        .iter()
        .map(|(label, cells)| {
            let lines = cells
                .iter()
                .map(Vec::len)
                .chain([label.len()])
                .max()
                .unwrap_or(1) as u32;
            lines * LINE + 2 * PAD
        })
        .collect();
    let title_h = 44;
    let head_h = 40;
    let height = title_h + head_h + heights.iter().sum::<u32>() + 2;
    let desc = {
        let cells = m
            .rows
            .iter()
            .flat_map(|r| {
                m.columns.iter().enumerate().map(move |(c, col)| {
                    let cell = r.cells.get(c).cloned().unwrap_or_default();
                    let items = cell.items.join("; ");
                    match cell.verdict {
                        Some(v) => format!("{} with {col}: {v}; {items}", r.label),
                        None => format!("{} with {col}: {items}", r.label),
                    }
                })
            })
            .collect::<Vec<_>>()
            .join(". ");
        format!(
            "A table of {} rows ({}) by {} columns ({}), each cell listing the tests to run first. {cells}.",
            m.rows.len(),
            m.corner.to_lowercase(),
            m.columns.len(),
            m.columns.join(", ")
        )
    };
    svg_chart(
        "decision-matrix.svg".into(),
        m.title.clone(),
        desc,
        (WIDTH, height),
        |root| {
            root.draw(&Text::new(
                m.title.clone(),
                (PAD as i32, (title_h / 2) as i32),
                text(19, &INK).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            let y0 = title_h as i32;
            let grid = MUTED.stroke_width(1);
            // Header row.
            root.draw(&Rectangle::new(
                [(0, y0), (WIDTH as i32 - 1, y0 + head_h as i32)],
                RGBColor(0xF0, 0xF0, 0xF0).filled(),
            ))?;
            root.draw(&Text::new(
                m.corner.clone(),
                (PAD as i32, y0 + head_h as i32 / 2),
                text(14, &INK).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            for (c, col) in m.columns.iter().enumerate() {
                let x = (LABEL_COL + c as u32 * col_w) as i32;
                root.draw(&Rectangle::new(
                    [
                        (x, y0 + head_h as i32 - 5),
                        (x + col_w as i32, y0 + head_h as i32),
                    ],
                    color(c).filled(),
                ))?;
                root.draw(&Text::new(
                    col.clone(),
                    (x + PAD as i32, y0 + head_h as i32 / 2 - 2),
                    text(15, &INK).pos(Pos::new(HPos::Left, VPos::Center)),
                ))?;
            }
            let mut y = y0 + head_h as i32;
            for ((label, cells), h) in rows.iter().zip(&heights) {
                root.draw(&PathElement::new(vec![(0, y), (WIDTH as i32, y)], grid))?;
                for (i, l) in label.iter().enumerate() {
                    root.draw(&Text::new(
                        l.clone(),
                        (PAD as i32, y + (PAD + i as u32 * LINE + LINE / 2) as i32),
                        text(14, &INK).pos(Pos::new(HPos::Left, VPos::Center)),
                    ))?;
                }
                for (c, lines) in cells.iter().enumerate() {
                    let x = (LABEL_COL + c as u32 * col_w) as i32;
                    for (i, (kind, l)) in lines.iter().enumerate() {
                        let ly = y + (PAD + i as u32 * LINE + LINE / 2) as i32;
                        let left = Pos::new(HPos::Left, VPos::Center);
                        if *kind == LineKind::Verdict {
                            let bold = TextStyle {
                                color: INK.to_backend_color(),
                                ..TextStyle::from(
                                    (crate::FONT, crate::MIN_FONT, FontStyle::Bold).into_font(),
                                )
                            };
                            root.draw(&Text::new(l.clone(), (x + PAD as i32, ly), bold.pos(left)))?;
                            continue;
                        }
                        if *kind == LineKind::Bullet {
                            root.draw(&Circle::new(
                                (x + PAD as i32 + 3, ly),
                                3,
                                color(c).filled(),
                            ))?;
                        }
                        root.draw(&Text::new(
                            l.clone(),
                            (x + PAD as i32 + 12, ly),
                            text(13, &INK).pos(left),
                        ))?;
                    }
                }
                y += *h as i32;
            }
            root.draw(&PathElement::new(vec![(0, y), (WIDTH as i32, y)], grid))?;
            for c in 0..k {
                let x = (LABEL_COL + c * col_w) as i32;
                root.draw(&PathElement::new(vec![(x, y0), (x, y)], grid))?;
            }
            Ok(())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_keeps_words_and_cuts_long_ones() {
        assert_eq!(wrap("a bb ccc dddd", 8), vec!["a bb ccc", "dddd"]);
        assert_eq!(wrap("abcdefghijkl", 8), vec!["abcdefgh", "ijkl"]);
        assert!(wrap("", 8).is_empty());
    }
}
