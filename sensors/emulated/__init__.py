"""Emulated BLE IMU sensors: bumble GATT peripherals on the virtual link."""
from sensors.emulated.feeds import csv_feed, simulator_feed, sine_feed
from sensors.emulated.peripheral import EmulatedSensor, Faults

__all__ = ["EmulatedSensor", "Faults", "csv_feed", "simulator_feed", "sine_feed"]
