//! Immediate feedback for a scan: distinct tones, vibration on errors.
//! (The flash and the big message line are part of the page.)

use std::cell::RefCell;

use web_sys::{AudioContext, OscillatorType};

/// What happened, as the worker should hear it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// A child went in: one short high tone.
    Child,
    /// A parent was opened: two rising tones.
    Parent,
    /// Anything went wrong: a low double tone and vibration.
    Error,
}

thread_local! {
    static AUDIO: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
}

fn beep(ctx: &AudioContext, freq: f32, start: f64, length: f64, kind: OscillatorType) -> Option<()> {
    let osc = ctx.create_oscillator().ok()?;
    let gain = ctx.create_gain().ok()?;
    osc.set_type(kind);
    osc.frequency().set_value(freq);
    gain.gain().set_value(0.25);
    osc.connect_with_audio_node(&gain).ok()?;
    gain.connect_with_audio_node(&ctx.destination()).ok()?;
    let t = ctx.current_time() + start;
    osc.start_with_when(t).ok()?;
    osc.stop_with_when(t + length).ok()
}

/// Plays the signal (best effort: browsers may block audio until a first tap).
pub fn play(signal: Signal) {
    AUDIO.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = AudioContext::new().ok();
        }
        let Some(ctx) = slot.as_ref() else { return };
        let _ = ctx.resume();
        match signal {
            Signal::Child => {
                beep(ctx, 1760.0, 0.0, 0.08, OscillatorType::Sine);
            }
            Signal::Parent => {
                beep(ctx, 880.0, 0.0, 0.09, OscillatorType::Sine);
                beep(ctx, 1320.0, 0.11, 0.12, OscillatorType::Sine);
            }
            Signal::Error => {
                beep(ctx, 220.0, 0.0, 0.18, OscillatorType::Square);
                beep(ctx, 180.0, 0.24, 0.22, OscillatorType::Square);
            }
        }
    });
    if signal == Signal::Error {
        if let Some(w) = web_sys::window() {
            let pattern = js_sys::Array::of3(&200.into(), &100.into(), &200.into());
            let _ = w.navigator().vibrate_with_pattern(&pattern);
        }
    }
}
