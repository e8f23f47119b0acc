//! The device side of the GPU engine: the adapter and device request, the
//! asynchronous error slot, buffer helpers and readback through staging
//! buffers (with the oneshot future that `map_async` completes).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use wgpu::util::DeviceExt;

#[derive(Clone, Debug, PartialEq)]
pub enum GpuError {
    /// No adapter or device: the reason, for the user.
    Unavailable(String),
    /// The device was lost or reported an error while running.
    Lost(String),
}

impl fmt::Display for GpuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GpuError::Unavailable(why) => write!(f, "no usable GPU: {why}"),
            GpuError::Lost(why) => write!(f, "the GPU device was lost or failed: {why}"),
        }
    }
}

impl std::error::Error for GpuError {}

/// A device and its queue, with the adapter's description and a slot where
/// asynchronous device errors (validation, loss) land.
#[derive(Clone)]
pub struct Gpu {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub adapter: String,
    failure: Arc<Mutex<Option<String>>>,
}

impl Gpu {
    /// The default adapter (high performance), with WebGPU's default limits,
    /// so what runs here runs in a browser.
    pub async fn request() -> Result<Gpu, GpuError> {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::Unavailable(e.to_string()))?;
        let info = adapter.get_info();
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("grokscope"),
                required_limits: wgpu::Limits::default().using_resolution(adapter.limits()),
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::Unavailable(e.to_string()))?;
        let name = if info.name.is_empty() { "WebGPU adapter".to_string() } else { info.name.clone() };
        Ok(Gpu::from_device(device, queue, format!("{name} ({:?})", info.backend)))
    }

    pub fn from_device(device: wgpu::Device, queue: wgpu::Queue, adapter: String) -> Gpu {
        let failure = Arc::new(Mutex::new(None));
        let f = failure.clone();
        device.on_uncaptured_error(Arc::new(move |e| {
            f.lock().unwrap().get_or_insert_with(|| e.to_string());
        }));
        let f = failure.clone();
        device.set_device_lost_callback(move |reason, msg| {
            f.lock().unwrap().get_or_insert_with(|| format!("{reason:?}: {msg}"));
        });
        Gpu { device, queue, adapter, failure }
    }

    pub(super) fn check(&self) -> Result<(), GpuError> {
        match self.failure.lock().unwrap().clone() {
            Some(msg) => Err(GpuError::Lost(msg)),
            None => Ok(()),
        }
    }

    pub(super) fn storage(&self, label: &str, data: &[u8]) -> wgpu::Buffer {
        self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: data,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
        })
    }

    pub(super) fn zeros(&self, label: &str, floats: usize) -> wgpu::Buffer {
        self.storage(label, bytemuck::cast_slice(&vec![0f32; floats.max(1)]))
    }

    pub(super) fn uniform<T: bytemuck::Pod>(&self, label: &str, value: &T) -> wgpu::Buffer {
        self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::bytes_of(value),
            usage: wgpu::BufferUsages::UNIFORM,
        })
    }

    /// Copies `floats` f32 from `buffer` (at float offset `at`) back to the
    /// host, through a staging buffer of its own (tests and one-off reads;
    /// training reads through the engine's pool).
    pub async fn read(&self, buffer: &wgpu::Buffer, at: usize, floats: usize) -> Result<Vec<f32>, GpuError> {
        let staging = self.staging("readback", floats);
        let mut enc = self.device.create_command_encoder(&Default::default());
        enc.copy_buffer_to_buffer(buffer, at as u64 * 4, &staging, 0, (floats * 4) as u64);
        self.queue.submit([enc.finish()]);
        let mapping = Mapping::start(&staging, floats);
        self.wait_for(&mapping).await?;
        mapping.read(&staging, floats)
    }

    /// A host-readable buffer of `floats` f32.
    pub(super) fn staging(&self, label: &str, floats: usize) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: (floats * 4).max(4) as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// Lets finished maps call back without blocking: natively wgpu needs a
    /// poll; in the browser the event loop does it.
    pub(super) fn poll(&self) {
        let _ = self.device.poll(wgpu::PollType::Poll);
    }

    /// Waits until `mapping` completes (or the device fails).
    pub(super) async fn wait_for(&self, mapping: &Mapping) -> Result<(), GpuError> {
        // Natively this drives the map to completion; on the web the browser does.
        let _ = self.device.poll(wgpu::PollType::wait_indefinitely());
        let done = Receiver(mapping.0.clone()).await;
        self.check()?;
        done.map_err(|e| GpuError::Lost(e.to_string()))
    }
}

/// A staging buffer's map in progress: `map_async`'s callback fills it.
pub(super) struct Mapping(Arc<Mutex<Shared<Result<(), wgpu::BufferAsyncError>>>>);

impl Mapping {
    /// Starts mapping the first `floats` f32 of `staging` for reading.
    pub(super) fn start(staging: &wgpu::Buffer, floats: usize) -> Mapping {
        let (tx, rx) = oneshot();
        staging.slice(..(floats * 4).max(4) as u64).map_async(wgpu::MapMode::Read, move |r| tx.send(r));
        Mapping(rx.0)
    }

    /// Whether the callback has run.
    pub(super) fn done(&self) -> bool {
        self.0.lock().unwrap().value.is_some()
    }

    /// The mapped floats (the map must be done), then unmaps `staging`.
    pub(super) fn read(&self, staging: &wgpu::Buffer, floats: usize) -> Result<Vec<f32>, GpuError> {
        let mut s = self.0.lock().unwrap();
        if let Some(Err(e)) = s.value.take() {
            return Err(GpuError::Lost(e.to_string()));
        }
        let bytes = (floats * 4).max(4) as u64;
        let view = staging.slice(..bytes).get_mapped_range().map_err(|e| GpuError::Lost(e.to_string()))?;
        let out = bytemuck::cast_slice(&view)[..floats].to_vec();
        drop(view);
        staging.unmap();
        Ok(out)
    }
}

/// A single-use channel whose receiving end is a future: what `map_async`'s
/// callback needs, without an executor-specific dependency.
struct Shared<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

struct Sender<T>(Arc<Mutex<Shared<T>>>);
struct Receiver<T>(Arc<Mutex<Shared<T>>>);

fn oneshot<T>() -> (Sender<T>, Receiver<T>) {
    let s = Arc::new(Mutex::new(Shared { value: None, waker: None }));
    (Sender(s.clone()), Receiver(s))
}

impl<T> Sender<T> {
    fn send(self, value: T) {
        let mut s = self.0.lock().unwrap();
        s.value = Some(value);
        if let Some(w) = s.waker.take() {
            w.wake();
        }
    }
}

impl<T: Clone> Future for Receiver<T> {
    type Output = T;
    /// Ready once sent; the value stays for `Mapping::read`.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut s = self.0.lock().unwrap();
        match &s.value {
            Some(v) => Poll::Ready(v.clone()),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
