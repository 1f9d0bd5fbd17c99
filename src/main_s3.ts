import { pins, board } from "@dsboard/power_coop_s3"
console.log(pins.OUT_EN0)
