// Spec group "plant": the simulator's physics (the ground truth).
import { Spec } from "../harness/api"
import { plantEnergyBooksSpec, plantModelSpec, plantPackFetsSpec, plantSpec } from "./plant.spec"

export const PLANT_SPECS: Spec[] = [plantSpec, plantEnergyBooksSpec, plantModelSpec, plantPackFetsSpec]
