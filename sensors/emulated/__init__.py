"""Emulated BLE IMU sensors: bumble GATT peripherals on the virtual link."""
from sensors.emulated.feeds import csv_feed, rest_feed, simulator_feed, sine_feed
from sensors.emulated.peripheral import FAULT_KINDS, EmulatedSensor, Faults

__all__ = ["FAULT_KINDS", "EmulatedSensor", "Faults", "csv_feed", "rest_feed", "simulator_feed",
           "sine_feed"]
