//! A sweep's heatmap: one coloured, labelled box per cell of a grid over
//! two of its keys (a phase diagram when the colour is the regime), with
//! the colours' key below.

use super::axis::{self, font_px, KeyEntry, Result, Swatch};
use crate::run::regime::Regime;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One box: its colour and the number written in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub fill: RGBColor,
    pub text: String,
}

/// A box for no value ("never", "-"): pale grey.
pub const NONE: RGBColor = RGBColor(235, 235, 235);

/// Each regime's colour in the phase diagram.
pub fn regime_colour(r: Regime) -> RGBColor {
    match r {
        Regime::Grokking => RGBColor(204, 121, 167),
        Regime::Comprehension => RGBColor(0, 158, 115),
        Regime::Memorisation => RGBColor(240, 190, 90),
        Regime::NoLearning => RGBColor(200, 200, 200),
    }
}

/// Where a box was drawn, in the backend's pixels: top left, bottom right.
pub type Rect = ((i32, i32), (i32, i32));

/// The box under the point `at` (the backend's pixels), by its index in `cells`.
pub fn hit(boxes: &[Rect], at: (i32, i32)) -> Option<usize> {
    boxes.iter().position(|&((x0, y0), (x1, y1))| (x0..x1).contains(&at.0) && (y0..y1).contains(&at.1))
}

/// Light to dark blue for `t` in [0, 1] (clamped).
pub fn shade(t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(mix(239.0, 8.0), mix(243.0, 69.0), mix(255.0, 148.0))
}

/// Text that reads on `fill`: white on dark colours.
fn ink(fill: RGBColor) -> RGBColor {
    let luma = 0.299 * fill.0 as f64 + 0.587 * fill.1 as f64 + 0.114 * fill.2 as f64;
    if luma < 128.0 {
        WHITE
    } else {
        BLACK
    }
}

/// The grid's boxes, `x` across and `y` up (each a key's name and its
/// values' labels); `cells` row by row from the bottom (`cells[j * nx + i]`
/// at x value i, y value j); `key` below the plot. Returns where each
/// cell's box is, for a pointer.
pub fn heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    (x_desc, x_labels): (&str, &[String]),
    (y_desc, y_labels): (&str, &[String]),
    cells: &[Cell],
    key: &[KeyEntry],
) -> Result<Vec<Rect>, DB> {
    area.fill(&WHITE)?;
    let px = font_px(area);
    let plot = axis::key_strip(area, px, key)?.titled(title, ("sans-serif", px + 2))?;
    // Boxes and labels in pixels: categories need no numeric axis.
    let (w, h) = plot.dim_in_pixel();
    let (nx, ny) = (x_labels.len().max(1) as i32, y_labels.len().max(1) as i32);
    let (left, right, top, bottom) = (px as i32 * 7, px as i32, px as i32 / 2, px as i32 * 4);
    let bw = ((w as i32 - left - right) / nx).max(1);
    let bh = ((h as i32 - top - bottom) / ny).max(1);
    let text = |t: &str, at: (i32, i32), colour: &RGBColor, (h, v): (HPos, VPos)| {
        plot.draw(&Text::new(t.to_string(), at, ("sans-serif", px).into_font().color(colour).pos(Pos::new(h, v))))
    };
    let base = plot.get_base_pixel();
    let mut boxes = Vec::with_capacity(cells.len());
    for (k, c) in cells.iter().enumerate() {
        // Row 0 at the bottom, as on an axis.
        let (i, j) = (k as i32 % nx, k as i32 / nx);
        let (x0, y0) = (left + i * bw, top + (ny - 1 - j) * bh);
        boxes.push(((base.0 + x0, base.1 + y0), (base.0 + x0 + bw, base.1 + y0 + bh)));
        plot.draw(&Rectangle::new([(x0, y0), (x0 + bw, y0 + bh)], c.fill.filled()))?;
        plot.draw(&Rectangle::new([(x0, y0), (x0 + bw, y0 + bh)], WHITE.stroke_width(2)))?;
        text(&c.text, (x0 + bw / 2, y0 + bh / 2), &ink(c.fill), (HPos::Center, VPos::Center))?;
    }
    let below = top + ny * bh + px as i32 / 3;
    for (i, l) in x_labels.iter().enumerate() {
        text(l, (left + i as i32 * bw + bw / 2, below), &BLACK, (HPos::Center, VPos::Top))?;
    }
    text(x_desc, (left + nx * bw / 2, below + px as i32 * 3 / 2), &BLACK, (HPos::Center, VPos::Top))?;
    for (j, l) in y_labels.iter().enumerate() {
        let y = top + (ny - 1 - j as i32) * bh + bh / 2;
        text(l, (left - px as i32 / 2, y), &BLACK, (HPos::Right, VPos::Center))?;
    }
    text(y_desc, (px as i32 / 3, top + ny * bh / 2), &BLACK, (HPos::Left, VPos::Center))?;
    Ok(boxes)
}

/// Key entries for a shaded value from `lo` (light) to `hi` (dark), and the box for none.
pub fn shade_key(lo: &str, hi: &str, none: Option<&str>) -> Vec<KeyEntry> {
    let mut key = vec![KeyEntry::new(lo, Swatch::Fill(shade(0.0))), KeyEntry::new(hi, Swatch::Fill(shade(1.0)))];
    key.extend(none.map(|n| KeyEntry::new(n, Swatch::Fill(NONE))));
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shades_run_light_to_dark_and_text_stays_readable() {
        assert_eq!(shade(0.0), RGBColor(239, 243, 255));
        assert_eq!(shade(1.0), RGBColor(8, 69, 148));
        assert_eq!(shade(f64::NAN), shade(0.0));
        assert_eq!((ink(shade(0.0)), ink(shade(1.0))), (BLACK, WHITE));
    }

    #[test]
    fn draws_every_box_with_its_text() {
        let mut svg = String::new();
        let boxes = {
            let area = SVGBackend::with_string(&mut svg, (500, 300)).into_drawing_area();
            let labels = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            let cells: Vec<Cell> =
                (0..6).map(|k| Cell { fill: shade(k as f64 / 5.0), text: format!("v{k}") }).collect();
            let boxes = heatmap(
                &area,
                "t",
                ("wd", &labels(&["0.1", "1", "10"])),
                ("frac", &labels(&["0.3", "0.6"])),
                &cells,
                &shade_key("low", "high", None),
            )
            .unwrap();
            area.present().unwrap();
            boxes
        };
        // Cell 4 is x value 1 in the top row (y value 1): right of cell 3, above cell 1.
        let centre = |k: usize| ((boxes[k].0 .0 + boxes[k].1 .0) / 2, (boxes[k].0 .1 + boxes[k].1 .1) / 2);
        assert!(centre(4).0 > centre(3).0 && centre(4).1 == centre(3).1 && centre(4).1 < centre(1).1);
        assert_eq!((0..6).map(|k| hit(&boxes, centre(k))).collect::<Vec<_>>(), (0..6).map(Some).collect::<Vec<_>>());
        assert_eq!(hit(&boxes, (0, 0)), None, "the title is no cell");
        let texts: Vec<&str> = svg.split('<').filter_map(|p| Some(p.split_once('>')?.1.trim())).collect();
        for k in 0..6 {
            assert!(texts.contains(&format!("v{k}").as_str()), "v{k} missing");
        }
        assert!(["0.6", "10", "wd", "frac", "high"].iter().all(|t| texts.contains(t)), "{texts:?}");
    }
}
