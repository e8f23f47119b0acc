//! Which engine trains a run: one choice with one meaning for the command
//! line, `reproduce` and the page.

use crate::engine::gpu::{Gpu, GpuError};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Backend {
    /// A hardware GPU when there is one, else the CPU engine, saying why.
    /// A software adapter (lavapipe, llvmpipe, SwiftShader) is passed over:
    /// it emulates the GPU on the CPU, far slower than the CPU engine.
    #[default]
    Auto,
    /// The GPU, whatever it is (a software one with a note).
    Gpu,
    Cpu,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Auto, Backend::Gpu, Backend::Cpu];

    pub fn name(self) -> &'static str {
        match self {
            Backend::Auto => "auto",
            Backend::Gpu => "gpu",
            Backend::Cpu => "cpu",
        }
    }

    /// Decides from the adapter request's result (None: not made, as for
    /// `cpu`): the GPU to train on (None: the CPU engine) and a note for
    /// people when the choice needs one.
    pub fn decide(self, request: Option<Result<Gpu, GpuError>>) -> Result<(Option<Gpu>, Option<String>), String> {
        match (self, request) {
            (Backend::Cpu, _) | (_, None) => Ok((None, None)),
            (Backend::Gpu, Some(Err(e))) => Err(e.to_string()),
            (Backend::Gpu, Some(Ok(g))) => {
                let note = is_software(&g.adapter)
                    .then(|| format!("{} is a software GPU: expect it to be slower than the CPU engine", g.adapter));
                Ok((Some(g), note))
            }
            (Backend::Auto, Some(Err(e))) => Ok((None, Some(format!("{e}; training on the CPU")))),
            (Backend::Auto, Some(Ok(g))) if is_software(&g.adapter) => Ok((
                None,
                Some(format!("{} is a software GPU, slower than the CPU engine; training on the CPU", g.adapter)),
            )),
            (Backend::Auto, Some(Ok(g))) => Ok((Some(g), None)),
        }
    }
}

impl std::str::FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Backend, String> {
        Backend::ALL.into_iter().find(|b| b.name() == s).ok_or_else(|| format!("'{s}': expected auto, gpu or cpu"))
    }
}

/// Whether an adapter's description names a renderer that runs on the CPU.
pub fn is_software(adapter: &str) -> bool {
    let a = adapter.to_lowercase();
    ["llvmpipe", "lavapipe", "swiftshader", "software"].iter().any(|s| a.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_errors_say_what_is_accepted() {
        for b in Backend::ALL {
            assert_eq!(b.name().parse::<Backend>(), Ok(b));
        }
        assert_eq!("vulkan".parse::<Backend>().unwrap_err(), "'vulkan': expected auto, gpu or cpu");
    }

    #[test]
    fn software_adapters_are_recognised() {
        assert!(is_software("llvmpipe (LLVM 15.0.6, 256 bits) (Vulkan)"));
        assert!(is_software("SwiftShader Device (Subzero)"));
        assert!(!is_software("NVIDIA H200 (Vulkan)"));
    }

    #[test]
    fn no_gpu_is_an_error_only_when_asked_for() {
        let lost = || Some(Err(GpuError::Unavailable("no adapter".into())));
        assert!(Backend::Gpu.decide(lost()).is_err());
        let (gpu, note) = Backend::Auto.decide(lost()).unwrap();
        assert!(gpu.is_none() && note.unwrap().contains("no adapter"));
        assert_eq!(Backend::Cpu.decide(None).unwrap().1, None);
    }
}
