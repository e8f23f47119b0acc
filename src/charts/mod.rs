//! Every chart of grokscope, drawn with plotters on any `DrawingBackend`: a
//! canvas in the page (plotters-canvas), SVG in the report and the tests.
//! One stack: `axis` (palette, phase colours, the log step axis, the key
//! strip), `plot` (step plots and Pareto plots on it), `page` (the page's
//! charts, which the report also draws), `report` (the report's extra
//! figures across runs) and `heatmap` (a sweep's grid of cells).

pub mod axis;
mod frame;
pub mod heatmap;
mod page;
pub mod plot;
pub mod report;

pub use axis::{log_ticks, phase_colour, StepAt, FONT_PX, PALETTE};
pub use frame::{csv, Frame};
pub use page::{fourier_caveat, number, subnetwork_chart, Chart};
