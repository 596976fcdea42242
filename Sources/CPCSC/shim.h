// pcsc-lite for Swift. The headers come through pkg-config (-I/usr/include/PCSC); the helpers below
// stand in for the macros and globals that do not import (Docs/ARCHITECTURE.md §2).
#ifndef CPCSC_SHIM_H
#define CPCSC_SHIM_H

#include <winscard.h>
#include <reader.h>

/// The protocol control information for T=0, as `SCARD_PCI_T0` would give it.
static inline const SCARD_IO_REQUEST *cpcsc_pci_t0(void) { return &g_rgSCardT0Pci; }
/// The protocol control information for T=1, as `SCARD_PCI_T1` would give it.
static inline const SCARD_IO_REQUEST *cpcsc_pci_t1(void) { return &g_rgSCardT1Pci; }
/// The largest extended APDU pcsc-lite passes (`MAX_BUFFER_SIZE_EXTENDED`).
static inline unsigned long cpcsc_max_buffer_size_extended(void) { return MAX_BUFFER_SIZE_EXTENDED; }
/// `SCARD_AUTOALLOCATE`, which does not import.
static inline DWORD cpcsc_autoallocate(void) { return SCARD_AUTOALLOCATE; }

#endif
