import CRecurrentKernels
import LoomTensor

// Fused element-wise kernels for one time step of each cell, forward and backward.
//
// THE EQUATIONS (PyTorch's definitions and gate orders). Every Swift and C row cites these numbers; check a
// line against this block. x: the step's input, h, c: the state before the step, σ: the logistic function.
//
//   LSTM, gates i, f, g, o:
//   E1   i = σ(W_ii·x + b_ii + W_hi·h + b_hi),  f = σ(W_if·x + b_if + W_hf·h + b_hf),  o = σ(W_io·x + b_io + W_ho·h + b_ho)
//   E2   g = tanh(W_ig·x + b_ig + W_hg·h + b_hg)
//   E3   c' = f⊙c + i⊙g
//   E4   h' = o⊙tanh(c')
//   GRU, gates r, z, n:
//   E5   r = σ(W_ir·x + b_ir + W_hr·h + b_hr)
//   E6   z = σ(W_iz·x + b_iz + W_hz·h + b_hz)
//   E7   n = tanh(W_in·x + b_in + r⊙(W_hn·h + b_hn))
//   E8   h' = (1 − z)⊙n + z⊙h
//   Elman RNN:
//   E9   h' = act(W_ih·x + b_ih + W_hh·h + b_hh),  act = tanh or relu
//   Backward, with dh̃ = dh + dy (the gradient reaching h' from the next step and from the output):
//   E10  LSTM: dc̃ = dc + dh̃⊙o⊙(1 − tanh²c');  do = dh̃⊙tanh c'·o(1−o);  di = dc̃⊙g·i(1−i);  df = dc̃⊙c·f(1−f);
//              dg = dc̃⊙i·(1 − g²);  dc_prev = dc̃⊙f
//   E11  GRU:  dn = dh̃⊙(1−z)⊙(1 − n²);  dz = dh̃⊙(h − n)⊙z(1−z);  dr = dn⊙(W_hn·h + b_hn)⊙r(1−r);
//              input side (dr, dz, dn), hidden side (dr, dz, dn⊙r);  dh_prev = dh̃⊙z + (hidden side)·W_hh
//   E12  RNN:  dpre = dh̃⊙(1 − h'²) (tanh) or dh̃⊙[h' > 0] (relu)
//   E13  every cell, all steps at once: dW_ih = Σ_t dG_xᵀ·x_t, dW_hh = Σ_t dG_hᵀ·h_{t−1}, db_ih = Σ dG_x,
//        db_hh = Σ dG_h, dx_t = dG_x·W_ih, dh_{t−1} += dG_h·W_hh (for LSTM and RNN dG_h = dG_x)
//
// Where each lives: these Swift `reference…` rows (the readable specification), the C rows of
// CRecurrentKernels/loom_cells.h (forward, used by the batched kernels, the two-thread path and the
// character stepper) and loom_gates.c (backward); the products (E13) are BLAS calls in RecurrentDirection.
//
// Every kernel works on a batch of B rows. Gate pre-activations arrive already holding
// W_ih·x + W_hh·h + biases (the matrix products are done by the caller with BLAS); the kernel applies the
// non-linearities, writes the activations back in place for the backward pass, and produces the new state.
//
// Masking: a row whose mask value is 0 is a padded step. Its state passes through unchanged
// (h_t = h_{t−1}, c_t = c_{t−1}), its output is zero, and in backward its gate gradients are zero while the
// state gradients pass through unchanged. The choice is made once per row, so the inner loops over the
// hidden units stay branch-free.
//
// Vectorisation: each inner loop writes one stream and reads few others. One big fused loop per row would
// read and write so many pointers that LLVM gives up on the runtime overlap checks and emits scalar code
// (measured: 4–5× slower); the split loops below all become SIMD code. The data of a row (a few KB)
// stays in L1 between the loops.

@inline(__always)
private func isReal(_ mask: UnsafePointer<Float>?, _ row: Int) -> Bool {
    guard let mask else { return true }
    return mask[row] != 0
}

// MARK: - Dispatch
//
// The LSTM and GRU kernels used by the layers are the C twins in Sources/CRecurrentKernels/loom_gates.c: the same formulas
// and approximations, compiled for AVX-512, AVX2 and baseline x86-64 with the widest picked at load time (Swift
// itself targets baseline x86-64, i.e. 4-wide SSE). The Swift versions below (`reference…`) are the readable
// specification; `RecurrentKernelTests` checks that both agree.

@inline(__always)
func lstmForwardStep(batch: Int, hidden H: Int, gates: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
                     cPrev: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, tanhC: UnsafeMutablePointer<Float>,
                     mask: UnsafePointer<Float>?, h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>,
                     output: UnsafeMutablePointer<Float>) {
    loom_lstm_forward_step(Int32(batch), Int32(H), gates, bias, cPrev, hPrev, tanhC, mask, h, c, output)
}

@inline(__always)
func lstmBackwardStep(batch: Int, hidden H: Int, gates: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                      tanhC: UnsafePointer<Float>, mask: UnsafePointer<Float>?, dOutput: UnsafePointer<Float>?,
                      dh: UnsafeMutablePointer<Float>, dc: UnsafeMutablePointer<Float>,
                      dGates: UnsafeMutablePointer<Float>) {
    loom_lstm_backward_step(Int32(batch), Int32(H), gates, cPrev, tanhC, mask, dOutput, dh, dc, dGates)
}

@inline(__always)
func gruForwardStep(batch: Int, hidden H: Int, gates: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
                    recurrent: UnsafePointer<Float>, hiddenN: UnsafeMutablePointer<Float>, hPrev: UnsafePointer<Float>,
                    mask: UnsafePointer<Float>?, h: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
    loom_gru_forward_step(Int32(batch), Int32(H), gates, bias, recurrent, hiddenN, hPrev, mask, h, output)
}

@inline(__always)
func gruBackwardStep(batch: Int, hidden H: Int, gates: UnsafePointer<Float>, hiddenN: UnsafePointer<Float>,
                     hPrev: UnsafePointer<Float>, mask: UnsafePointer<Float>?, dOutput: UnsafePointer<Float>?,
                     dh: UnsafeMutablePointer<Float>, dInputGates: UnsafeMutablePointer<Float>,
                     dHiddenGates: UnsafeMutablePointer<Float>) {
    loom_gru_backward_step(Int32(batch), Int32(H), gates, hiddenN, hPrev, mask, dOutput, dh, dInputGates, dHiddenGates)
}

// MARK: - LSTM

/// LSTM forward step (PyTorch): i = σ(·), f = σ(·), g = tanh(·), o = σ(·) on the four gate blocks,
/// c' = f⊙c + i⊙g, h' = o⊙tanh(c').
///
/// - gates: [B, 4H] pre-activations without bias in, activations (i, f, g, o) out. bias: [4H], b_ih + b_hh,
///   added here (in cache) rather than written into the whole [T, B, 4H] projection beforehand.
/// - cPrev, hPrev: [B, H] state before the step. tanhC: [B, H] out, tanh(c') for backward.
/// - h, c: [B, H] state after the step (may not alias hPrev/cPrev). output: [B, H], h' or 0 when masked.
@inline(__always)
func referenceLstmForwardStep(batch: Int, hidden H: Int, gates: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
                     cPrev: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, tanhC: UnsafeMutablePointer<Float>,
                     mask: UnsafePointer<Float>?, h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>,
                     output: UnsafeMutablePointer<Float>) {
    for b in 0..<batch {
        let gi = gates + b * 4 * H, gf = gi + H, gg = gi + 2 * H, go = gi + 3 * H
        let cp = cPrev + b * H, tc = tanhC + b * H
        let hn = h + b * H, cn = c + b * H, y = output + b * H
        let bg = bias + 2 * H, bo = bias + 3 * H
        for j in 0..<(2 * H) { gi[j] = FastMath.sigmoid(gi[j] + bias[j]) }  // E1: i, f
        for j in 0..<H { gg[j] = FastMath.tanh(gg[j] + bg[j]) }              // E2: g
        for j in 0..<H { go[j] = FastMath.sigmoid(go[j] + bo[j]) }           // E1: o
        for j in 0..<H { cn[j] = gf[j] * cp[j] + gi[j] * gg[j] }   // E3: c' = f⊙c + i⊙g
        for j in 0..<H { tc[j] = FastMath.tanh(cn[j]) }
        for j in 0..<H { hn[j] = go[j] * tc[j] }                    // E4: h' = o⊙tanh(c')
        if isReal(mask, b) {
            y.update(from: hn, count: H)
        } else {
            // Padded step: keep the previous state, emit zeros. (Gate caches are ignored by backward.)
            hn.update(from: hPrev + b * H, count: H)
            cn.update(from: cp, count: H)
            y.update(repeating: 0, count: H)
        }
    }
}

/// LSTM backward step (E10). With dh̃ = dh + dy (gradient reaching h' from the future and from the output):
///   dc̃ = dc + dh̃⊙o⊙(1 − tanh²c'),  do = dh̃⊙tanh c',  di = dc̃⊙g,  dg = dc̃⊙i,  df = dc̃⊙c,
///   pre-activation gradients multiply by σ' = s(1−s) or tanh' = 1 − t²,  dc_prev = dc̃⊙f.
/// dh is set to 0 for real rows: the caller then adds dGates·W_hh into it.
///
/// - dOutput: [B, H] gradient w.r.t. this step's output, or nil. dh, dc: [B, H] in/out.
/// - dGates: [B, 4H] out.
@inline(__always)
func referenceLstmBackwardStep(batch: Int, hidden H: Int, gates: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                      tanhC: UnsafePointer<Float>, mask: UnsafePointer<Float>?, dOutput: UnsafePointer<Float>?,
                      dh: UnsafeMutablePointer<Float>, dc: UnsafeMutablePointer<Float>,
                      dGates: UnsafeMutablePointer<Float>) {
    for b in 0..<batch {
        let di = dGates + b * 4 * H, df = di + H, dg = di + 2 * H, dO = di + 3 * H
        guard isReal(mask, b) else {
            di.update(repeating: 0, count: 4 * H) // state gradients pass through untouched
            continue
        }
        let gi = gates + b * 4 * H, gf = gi + H, gg = gi + 2 * H, go = gi + 3 * H
        let cp = cPrev + b * H, tc = tanhC + b * H
        let dhr = dh + b * H, dcr = dc + b * H
        if let dOutput {
            let dy = dOutput + b * H
            for j in 0..<H { dhr[j] += dy[j] }
        }
        for j in 0..<H { dO[j] = dhr[j] * tc[j] * go[j] * (1 - go[j]) }                  // do·σ'
        for j in 0..<H { dcr[j] += dhr[j] * go[j] * (1 - tc[j] * tc[j]) }              // dc̃
        for j in 0..<H { di[j] = dcr[j] * gg[j] * gi[j] * (1 - gi[j]) }               // di·σ'
        for j in 0..<H { df[j] = dcr[j] * cp[j] * gf[j] * (1 - gf[j]) }               // df·σ'
        for j in 0..<H { dg[j] = dcr[j] * gi[j] * (1 - gg[j] * gg[j]) }               // dg·tanh'
        for j in 0..<H { dcr[j] *= gf[j] }                                             // dc_prev
        dhr.update(repeating: 0, count: H)
    }
}

// MARK: - GRU

/// GRU forward step (PyTorch): r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r⊙h_n), h' = (1−z)⊙n + z⊙h,
/// where x_· = W_i·x + b_i· and h_· = W_h·h + b_h·.
///
/// - gates: [B, 3H] input parts W_ir·x, W_iz·x, W_in·x in (without b_ih, which is `bias`); activations r, z, n out.
/// - recurrent: [B, 3H] h_r, h_z, h_n (read only). hiddenN: [B, H] out, h_n kept for backward.
/// - hPrev: [B, H]. h: [B, H] state after the step (may not alias hPrev). output: [B, H].
@inline(__always)
func referenceGruForwardStep(batch: Int, hidden H: Int, gates: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
                    recurrent: UnsafePointer<Float>,
                    hiddenN: UnsafeMutablePointer<Float>, hPrev: UnsafePointer<Float>, mask: UnsafePointer<Float>?,
                    h: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
    for b in 0..<batch {
        let gr = gates + b * 3 * H, gz = gr + H, gn = gr + 2 * H
        let rh = recurrent + b * 3 * H, rhn = rh + 2 * H
        let hp = hPrev + b * H, hnOut = hiddenN + b * H, hn = h + b * H, y = output + b * H
        let bn = bias + 2 * H
        for j in 0..<(2 * H) { gr[j] = FastMath.sigmoid(gr[j] + bias[j] + rh[j]) }   // E5, E6: r, z
        hnOut.update(from: rhn, count: H)                                           // h_n, for backward
        for j in 0..<H { gn[j] = FastMath.tanh(gn[j] + bn[j] + gr[j] * rhn[j]) }     // E7: n
        for j in 0..<H { hn[j] = (1 - gz[j]) * gn[j] + gz[j] * hp[j] }      // E8: h'
        if isReal(mask, b) {
            y.update(from: hn, count: H)
        } else {
            hn.update(from: hp, count: H)
            y.update(repeating: 0, count: H)
        }
    }
}

/// GRU backward step (E11). With dh̃ = dh + dy:
///   dn = dh̃⊙(1−z),  dz = dh̃⊙(h − n),  dn_pre = dn⊙(1 − n²),  dr = dn_pre⊙h_n,
///   input-side gradients  (dr⊙r(1−r), dz⊙z(1−z), dn_pre),
///   hidden-side gradients (dr⊙r(1−r), dz⊙z(1−z), dn_pre⊙r),
///   dh_prev = dh̃⊙z + (hidden-side gradients)·W_hh, the product added by the caller.
@inline(__always)
func referenceGruBackwardStep(batch: Int, hidden H: Int, gates: UnsafePointer<Float>, hiddenN: UnsafePointer<Float>,
                     hPrev: UnsafePointer<Float>, mask: UnsafePointer<Float>?, dOutput: UnsafePointer<Float>?,
                     dh: UnsafeMutablePointer<Float>, dInputGates: UnsafeMutablePointer<Float>,
                     dHiddenGates: UnsafeMutablePointer<Float>) {
    for b in 0..<batch {
        let dxr = dInputGates + b * 3 * H, dxz = dxr + H, dxn = dxr + 2 * H
        let dhrz = dHiddenGates + b * 3 * H, dhn = dhrz + 2 * H
        guard isReal(mask, b) else {
            dxr.update(repeating: 0, count: 3 * H)
            dhrz.update(repeating: 0, count: 3 * H)
            continue
        }
        let gr = gates + b * 3 * H, gz = gr + H, gn = gr + 2 * H
        let hnr = hiddenN + b * H, hp = hPrev + b * H, dhr = dh + b * H
        if let dOutput {
            let dy = dOutput + b * H
            for j in 0..<H { dhr[j] += dy[j] }
        }
        for j in 0..<H { dxn[j] = dhr[j] * (1 - gz[j]) * (1 - gn[j] * gn[j]) }          // dn_pre
        for j in 0..<H { dxz[j] = dhr[j] * (hp[j] - gn[j]) * gz[j] * (1 - gz[j]) }     // dz·σ'
        for j in 0..<H { dxr[j] = dxn[j] * hnr[j] * gr[j] * (1 - gr[j]) }             // dr·σ'
        dhrz.update(from: dxr, count: 2 * H)
        for j in 0..<H { dhn[j] = dxn[j] * gr[j] }                                    // d(W_hn h + b_hn)
        for j in 0..<H { dhr[j] *= gz[j] }                                            // direct path z⊙dh̃
    }
}

// MARK: - Simple RNN

/// Simple RNN forward step (E9): h' = act(pre), act = tanh or relu.
/// - gates: [B, H] pre-activations without bias in, h̃ = act(pre + bias) out (kept for backward).
@inline(__always)
func rnnForwardStep(batch: Int, hidden H: Int, relu: Bool, gates: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
                    hPrev: UnsafePointer<Float>, mask: UnsafePointer<Float>?, h: UnsafeMutablePointer<Float>,
                    output: UnsafeMutablePointer<Float>) {
    for b in 0..<batch {
        let g = gates + b * H
        if relu {
            for j in 0..<H { g[j] = Swift.max(g[j] + bias[j], 0) }
        } else {
            for j in 0..<H { g[j] = FastMath.tanh(g[j] + bias[j]) }
        }
    }
    h.update(from: gates, count: batch * H)
    output.update(from: gates, count: batch * H)
    guard mask != nil else { return }
    for b in 0..<batch where !isReal(mask, b) {
        (h + b * H).update(from: hPrev + b * H, count: H)
        (output + b * H).update(repeating: 0, count: H)
    }
}

/// Simple RNN backward step (E12): dpre = dh̃⊙(1 − h̃²) for tanh, dh̃⊙[h̃ > 0] for relu.
@inline(__always)
func rnnBackwardStep(batch: Int, hidden H: Int, relu: Bool, gates: UnsafePointer<Float>, mask: UnsafePointer<Float>?,
                     dOutput: UnsafePointer<Float>?, dh: UnsafeMutablePointer<Float>,
                     dGates: UnsafeMutablePointer<Float>) {
    for b in 0..<batch {
        let dg = dGates + b * H
        guard isReal(mask, b) else {
            dg.update(repeating: 0, count: H)
            continue
        }
        let g = gates + b * H, dhr = dh + b * H
        if let dOutput {
            let dy = dOutput + b * H
            for j in 0..<H { dhr[j] += dy[j] }
        }
        if relu {
            for j in 0..<H { dg[j] = g[j] > 0 ? dhr[j] : 0 }
        } else {
            for j in 0..<H { dg[j] = dhr[j] * (1 - g[j] * g[j]) }
        }
        dhr.update(repeating: 0, count: H)
    }
}
