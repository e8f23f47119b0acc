//! Charts drawn sharp at any device pixel ratio and larger when enlarged:
//! the chart code draws in layout pixels on a backend that says so, while
//! the canvas behind it holds CSS size x `devicePixelRatio` pixels and its
//! context scales every line and glyph to them.

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend, IntoDrawingArea};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// Layout pixels per CSS pixel at `css_width`: an enlarged chart keeps the
/// proportions of one about this wide, so its text grows with it (a
/// projector's back row reads it).
const LAYOUT_WIDTH: f64 = 720.0;

/// The layout size of a chart shown at `css` pixels, and CSS pixels per
/// layout pixel.
pub fn layout(css: (u32, u32)) -> ((u32, u32), f64) {
    let zoom = (css.0 as f64 / LAYOUT_WIDTH).max(1.0);
    (((css.0 as f64 / zoom).round() as u32, (css.1 as f64 / zoom).round() as u32), zoom)
}

/// A canvas backend whose size is the chart's layout size.
pub struct Scaled {
    inner: CanvasBackend,
    size: (u32, u32),
}

/// `canvas` sized to its CSS box x `dpr` (x `extra`, for an export larger
/// than shown), as an area of layout pixels, and how many CSS pixels one
/// layout pixel is (to map the pointer back).
pub fn area(canvas: HtmlCanvasElement, css: (u32, u32), dpr: f64) -> Option<(DrawingArea<Scaled, Shift>, f64)> {
    let (size, zoom) = layout(css);
    let backing = ((css.0 as f64 * dpr).round() as u32, (css.1 as f64 * dpr).round() as u32);
    if (canvas.width(), canvas.height()) != backing {
        canvas.set_width(backing.0);
        canvas.set_height(backing.1);
    }
    let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let (sx, sy) = (backing.0 as f64 / size.0.max(1) as f64, backing.1 as f64 / size.1.max(1) as f64);
    context.set_transform(sx, 0.0, 0.0, sy, 0.0, 0.0).ok()?;
    let inner = CanvasBackend::with_canvas_object(canvas)?;
    Some((Scaled { inner, size }.into_drawing_area(), zoom))
}

impl DrawingBackend for Scaled {
    type ErrorType = <CanvasBackend as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, p: BackendCoord, c: BackendColor) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(p, c)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(a, b, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        centre: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(centre, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_text(text, style, pos)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        self.inner.estimate_text_size(text, style)
    }
}
