//! A signature drawn as SVG, for dispatch to look at and to print on a delivery note.

use std::fmt::Write as _;

use crate::event::{Signature, SignaturePoint};

/// Line width of a stroke, in canvas pixels; a lone dot is drawn with half of it as radius.
const STROKE_WIDTH: f64 = 2.0;

/// A coordinate rounded to one decimal, written without a trailing ".0" or a "-0".
fn num(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 {
        "0".to_owned()
    } else if r == r.trunc() {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

impl Signature {
    /// The strokes as a standalone SVG document: a viewBox of the pad's size, one `<path>` per
    /// stroke and a small circle for a stroke that is a single dot. Plain markup only (no
    /// script, no external reference), numbers rounded to one decimal.
    pub fn to_svg(&self) -> String {
        let (w, h) = (self.width, self.height);
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\">\n"
        );
        let mut paths = String::new();
        let mut dots = String::new();
        for stroke in &self.strokes {
            let mut points: Vec<(String, String)> = stroke
                .iter()
                .filter(|p| p.x.is_finite() && p.y.is_finite())
                .map(|SignaturePoint { x, y, .. }| (num(*x), num(*y)))
                .collect();
            // Points that round to the same spot add nothing but bytes.
            points.dedup();
            match points.as_slice() {
                [] => {}
                [(x, y)] => {
                    let r = num(STROKE_WIDTH / 2.0);
                    let _ = writeln!(dots, "<circle cx=\"{x}\" cy=\"{y}\" r=\"{r}\"/>");
                }
                [(x0, y0), rest @ ..] => {
                    let _ = write!(paths, "<path d=\"M{x0} {y0}");
                    for (x, y) in rest {
                        let _ = write!(paths, "L{x} {y}");
                    }
                    paths.push_str("\"/>\n");
                }
            }
        }
        if !paths.is_empty() {
            let _ = write!(
                out,
                "<g fill=\"none\" stroke=\"#000\" stroke-width=\"{}\" stroke-linecap=\"round\" stroke-linejoin=\"round\">\n{paths}</g>\n",
                num(STROKE_WIDTH)
            );
        }
        if !dots.is_empty() {
            let _ = write!(out, "<g fill=\"#000\">\n{dots}</g>\n");
        }
        out.push_str("</svg>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(x: f64, y: f64) -> SignaturePoint {
        SignaturePoint { x, y, t: 0.0 }
    }

    #[test]
    fn each_stroke_becomes_one_path_on_a_canvas_of_the_pads_size() {
        let sig = Signature {
            width: 300,
            height: 150,
            strokes: vec![
                vec![pt(1.0, 2.0), pt(40.0, 30.0), pt(41.26, 30.04)],
                vec![pt(100.0, 100.0), pt(120.0, 90.0)],
            ],
        };
        let svg = sig.to_svg();
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 300 150\""),
            "the viewBox is the pad's size: {svg}"
        );
        assert_eq!(svg.matches("<path ").count(), 2, "one path per stroke");
        assert!(
            svg.contains("d=\"M1 2L40 30L41.3 30\""),
            "numbers are rounded to one decimal: {svg}"
        );
        assert!(svg.contains("d=\"M100 100L120 90\""));
        assert!(!svg.contains("<circle"), "no stroke here is a dot");
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn a_single_point_stroke_is_drawn_as_a_tiny_circle() {
        let sig = Signature {
            width: 200,
            height: 80,
            strokes: vec![
                vec![pt(10.04, 20.0)],
                // Two points on the same spot once rounded: still a dot.
                vec![pt(50.0, 60.0), pt(50.02, 59.98)],
                vec![],
            ],
        };
        let svg = sig.to_svg();
        assert_eq!(svg.matches("<circle ").count(), 2, "{svg}");
        assert!(
            svg.contains("<circle cx=\"10\" cy=\"20\" r=\"1\"/>"),
            "{svg}"
        );
        assert!(
            svg.contains("<circle cx=\"50\" cy=\"60\" r=\"1\"/>"),
            "{svg}"
        );
        assert!(!svg.contains("<path"), "an empty stroke draws nothing");
    }

    #[test]
    fn the_svg_holds_no_script_and_no_odd_numbers() {
        let sig = Signature {
            width: 10,
            height: 10,
            strokes: vec![vec![pt(-0.01, 0.0), pt(f64::NAN, 3.0), pt(2.26, -1.56)]],
        };
        let svg = sig.to_svg();
        assert!(!svg.to_lowercase().contains("script"));
        assert!(!svg.contains("NaN") && !svg.contains("-0 "), "{svg}");
        assert!(svg.contains("d=\"M0 0L2.3 -1.6\""), "{svg}");
    }

    #[test]
    fn numbers_are_written_short() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.04), "12");
        assert_eq!(num(12.06), "12.1");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(-3.5), "-3.5");
    }
}
