package io.c254.streaming.dev;

import java.util.List;

/** A traded instrument the demo feed quotes, with a plausible starting price in its own unit. */
record Instrument(
        String id,
        String commodity,
        String region,
        String source,
        String currency,
        String unit,
        double startPrice) {

    /** A small cross-commodity book, so that filters by commodity and region have something to match. */
    static final List<Instrument> DEMO_BOOK = List.of(
            new Instrument("BRENT_CRUDE", "oil", "north_sea", "ICE", "USD", "bbl", 82.50),
            new Instrument("WTI_CRUDE", "oil", "us_gulf_coast", "NYMEX", "USD", "bbl", 78.20),
            new Instrument("HENRY_HUB", "gas", "north_america", "NYMEX", "USD", "MMBtu", 2.85),
            new Instrument("TTF_GAS", "gas", "europe", "ICE_ENDEX", "EUR", "MWh", 34.10),
            new Instrument("NBP_GAS", "gas", "uk", "ICE", "GBp", "therm", 85.40),
            new Instrument("API2_COAL", "coal", "europe", "ICE", "USD", "t", 112.00),
            new Instrument("EEX_POWER_DE", "power", "europe", "EEX", "EUR", "MWh", 78.90));
}
